// int8_gemm_avx512_vnni: the int8 product with AVX512-VNNI's zmm vpdpbusd (this file
// alone is compiled with the AVX-512 flags and -mavx512vnni; callers check
// cpu_has_avx512_vnni()). One 64-byte weight group (16 outputs x 4 inputs) is one zmm;
// 4 bytes of q are broadcast to every dword. AVX-512 has no vpsignb on zmm, so q is
// made unsigned by an offset instead: u = q + 128 (q xor 0x80), and
//   sum u w = sum q w + 128 column_sums[o],
// so the kernel subtracts 128 column_sums[o] at the end. vpdpbusd does not saturate,
// and |sum u w| <= 255 128 k: exact for k < 65793.
//
// Tiles: 1 row x 8 blocks (128 outputs, 8 independent accumulators), and up to 4 rows
// x 4 blocks (each weight group loaded once for 4 rows); fewer blocks (a layer of 10
// outputs is one block) interleave groups on separate accumulators instead.
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__Y = __Y`), which
// -Wall reports as uninitialized at every inlined use (GCC bug 105593): not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

struct S8Avx512Vnni {
  using Acc = __m512i;
  using Q = __m512i;
  static constexpr int kMaxRows = 4;
  static constexpr int nb_max(int rows) { return rows == 1 ? 8 : 4; }
  static constexpr int kMinChains = 8;
  static Acc zero() { return _mm512_setzero_si512(); }
  static Q prep(const int8_t* q4) {
    int32_t v;
    std::memcpy(&v, q4, 4);
    return _mm512_set1_epi32(v ^ static_cast<int32_t>(0x80808080u));
  }
  static Acc dot(Acc acc, Q q, const int8_t* w64) { return _mm512_dpbusd_epi32(acc, q, _mm512_loadu_si512(w64)); }
  static Acc add(Acc a, Acc b) { return _mm512_add_epi32(a, b); }
  static void store(int32_t* out, Acc acc, const int32_t* column_sums, size_t count) {
    const __mmask16 m = count >= kInt8Block ? __mmask16(0xffff) : static_cast<__mmask16>((1u << count) - 1);
    const __m512i sums = _mm512_maskz_loadu_epi32(m, column_sums);
    _mm512_mask_storeu_epi32(out, m, _mm512_sub_epi32(acc, _mm512_slli_epi32(sums, 7)));
  }
};

}  // namespace
}  // namespace xylem::kernels

#include "kernels/dense_int8.inl"

namespace xylem::kernels {

const Int8GemmKernel& int8_gemm_avx512_vnni() {
  static const Int8GemmKernel kernel = {"avx512_vnni", gemm_s8_impl<S8Avx512Vnni>};
  return kernel;
}

}  // namespace xylem::kernels
