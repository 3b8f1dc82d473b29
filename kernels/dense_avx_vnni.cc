// int8_gemm_avx_vnni: the int8 product with AVX-VNNI's ymm vpdpbusd (this file alone is
// compiled with -mavx2 -mfma -mavxvnni; callers check cpu_has_avx_vnni()). The sign
// trick of dense_avx2.cc makes the activations unsigned (|q| <= 127, q's signs moved
// onto the weights by vpsignb, w in [-127, 127]); vpdpbusd then adds the four
// products of each dword into int32 without saturation. Exact.
#include <immintrin.h>

#include <cstring>

#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

struct S8AvxVnni {
  struct Acc {
    __m256i lo, hi;
  };
  struct Q {
    __m256i abs, sign;
  };
  static constexpr int kMaxRows = 2;
  static constexpr int nb_max(int rows) { return rows == 1 ? 4 : rows == 2 ? 2 : 1; }
  static constexpr int kMinChains = 4;  // x 2 registers: 8 vpdpbusd in flight
  static Acc zero() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
  static Q prep(const int8_t* q4) {
    int32_t v;
    std::memcpy(&v, q4, 4);
    const __m256i b = _mm256_set1_epi32(v);
    return {_mm256_sign_epi8(b, b), b};
  }
  static Acc dot(Acc acc, Q q, const int8_t* w64) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w64 + 32));
    return {_mm256_dpbusd_avx_epi32(acc.lo, q.abs, _mm256_sign_epi8(w0, q.sign)),
            _mm256_dpbusd_avx_epi32(acc.hi, q.abs, _mm256_sign_epi8(w1, q.sign))};
  }
  static Acc add(Acc a, Acc b) { return {_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)}; }
  static void store(int32_t* out, Acc acc, const int32_t*, size_t count) {
    if (count == kInt8Block) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), acc.lo);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), acc.hi);
      return;
    }
    alignas(32) int32_t tmp[kInt8Block];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc.lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp + 8), acc.hi);
    std::memcpy(out, tmp, count * sizeof(int32_t));
  }
};

}  // namespace
}  // namespace xylem::kernels

#include "kernels/dense_int8.inl"

namespace xylem::kernels {

const Int8GemmKernel& int8_gemm_avx_vnni() {
  static const Int8GemmKernel kernel = {"avx_vnni", gemm_s8_impl<S8AvxVnni>};
  return kernel;
}

}  // namespace xylem::kernels
