// Dense-layer kernels for CPUs with AVX2 and FMA (this file alone is compiled with
// -mavx2 -mfma; callers check cpu_has_avx2_fma()). The algorithms are
// dense_simd.inl's, over 8 floats per ymm; tails use vmaskmovps (masked lanes are
// neither read nor written), so no lane past an array is touched.
//
// gemm_f32 tiles (16 ymm registers): 1 row x 12 vectors, 2 x 6, 3 x 4, 4 x 3.
//
// int8_gemm_avx2: the sign trick. For 4 bytes of q broadcast to every dword, vpsignb
// gives |q| (unsigned, <= 127) and moves q's signs onto the weights (w in [-127, 127]
// stays in range); vpmaddubsw sums pairs |q| w' into int16 (|sum| <= 2 127 127 =
// 32258: never saturates), vpmaddwd with ones adds the pairs into int32. Exact.
#include <immintrin.h>

#include <cstring>

#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

struct V256 {
  using F = __m256;
  using M = __m256;
  static constexpr size_t W = 8;
  static constexpr int kRows = 4;
  static constexpr int nv_max(int rows) { return rows == 1 ? 12 : rows == 2 ? 6 : rows == 3 ? 4 : 3; }
  static constexpr int chains(int nv) { return nv == 1 ? 2 : 1; }

  static __m256i mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static F load_n(const float* p, size_t n) { return _mm256_maskload_ps(p, mask(n)); }
  // float(a + 128 * cs) of the first n int32 values (cs may be null).
  static F cvt_i32(const int32_t* a, const int32_t* cs, size_t n) {
    const __m256i m = mask(n);
    __m256i v = _mm256_maskload_epi32(a, m);
    if (cs) v = _mm256_add_epi32(v, _mm256_slli_epi32(_mm256_maskload_epi32(cs, m), 7));
    return _mm256_cvtepi32_ps(v);
  }
  static F load_n_or(const float* p, size_t n, F fill) {
    const __m256i m = mask(n);
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void store_n(float* p, F v, size_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static F copysign(F mag, F sgn) {
    const F sign = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(sign, mag), _mm256_and_ps(sign, sgn));
  }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M isnan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  static F round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // y 2^n for integral n in [-150, 128], as y 2^n1 2^n2 with n1 = n >> 1 and
  // n2 = n - n1 both normal exponents: the first product is exact, the second
  // rounds once (also into the subnormals).
  static F ldexp(F y, F n) {
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const F p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const F p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(y, p1), p2);
  }
  static float reduce_add(F a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float reduce_max(F a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void store_s8(int8_t* p, F v) {
    const __m256i i = _mm256_cvtps_epi32(v);
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w16, w16));
  }
};

// The int8 operations of dense_int8.inl on ymm: a block of 16 sums is two registers.
struct S8Avx2 {
  struct Acc {
    __m256i lo, hi;
  };
  struct Q {
    __m256i abs, sign;
  };
  static constexpr int kMaxRows = 2;
  static constexpr int nb_max(int rows) { return rows == 1 ? 4 : rows == 2 ? 2 : 1; }
  static constexpr int kMinChains = 2;
  static Acc zero() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
  static Q prep(const int8_t* q4) {
    int32_t v;
    std::memcpy(&v, q4, 4);
    const __m256i b = _mm256_set1_epi32(v);
    return {_mm256_sign_epi8(b, b), b};
  }
  static Acc dot(Acc acc, Q q, const int8_t* w64) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w64 + 32));
    const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(q.abs, _mm256_sign_epi8(w0, q.sign)), ones);
    const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(q.abs, _mm256_sign_epi8(w1, q.sign)), ones);
    return {_mm256_add_epi32(acc.lo, p0), _mm256_add_epi32(acc.hi, p1)};
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
#include "kernels/dense_simd.inl"

namespace xylem::kernels {

const DenseKernelTable& dense_kernels_avx2() {
  static const DenseKernelTable table = make_table<V256>("avx2");
  return table;
}

const Int8GemmKernel& int8_gemm_avx2() {
  static const Int8GemmKernel kernel = {"avx2", gemm_s8_impl<S8Avx2>};
  return kernel;
}

}  // namespace xylem::kernels
