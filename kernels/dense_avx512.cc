// Dense-layer kernels for CPUs with AVX-512 F/BW/DQ/VL (this file alone is compiled
// with those flags and FMA; callers check cpu_has_avx512()). The algorithms are
// dense_simd.inl's, over 16 floats per zmm; tails use masked loads and stores, so no
// lane past an array is touched.
//
// gemm_f32 tiles: 1 row x 16 vectors (batch 1: a layer of up to 256 outputs in one
// pass over w, 16 accumulators), 2 x 8, 3 x 6, 4 x 6 (each w vector loaded once for
// 4 rows, 24 accumulators).
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__Y = __Y`), which
// -Wall reports as uninitialized at every inlined use (GCC bug 105593): not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

struct V512 {
  using F = __m512;
  using M = __mmask16;
  static constexpr size_t W = 16;
  static constexpr int kRows = 4;
  static constexpr int nv_max(int rows) { return rows == 1 ? 16 : rows == 2 ? 8 : 6; }
  static constexpr int chains(int nv) { return nv == 1 ? 4 : nv == 2 ? 2 : 1; }

  static M mask(size_t n) { return static_cast<M>((1u << n) - 1); }
  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static F load_n(const float* p, size_t n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static F load_n_or(const float* p, size_t n, F fill) { return _mm512_mask_loadu_ps(fill, mask(n), p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void store_n(float* p, F v, size_t n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F copysign(F mag, F sgn) {
    const F sign = _mm512_castsi512_ps(_mm512_set1_epi32(INT32_MIN));
    return _mm512_or_ps(_mm512_andnot_ps(sign, mag), _mm512_and_ps(sign, sgn));
  }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M isnan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  static F round(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // vscalefps: y 2^floor(n), rounded once, subnormal results included.
  static F ldexp(F y, F n) { return _mm512_scalef_ps(y, n); }
  static float reduce_add(F a) { return _mm512_reduce_add_ps(a); }
  // float(a + 128 * cs) of the first n int32 values (cs may be null).
  static F cvt_i32(const int32_t* a, const int32_t* cs, size_t n) {
    __m512i v = _mm512_maskz_loadu_epi32(mask(n), a);
    if (cs) v = _mm512_add_epi32(v, _mm512_slli_epi32(_mm512_maskz_loadu_epi32(mask(n), cs), 7));
    return _mm512_cvtepi32_ps(v);
  }
  static float reduce_max(F a) { return _mm512_reduce_max_ps(a); }
  static void store_s8(int8_t* p, F v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v)));
  }
};

}  // namespace
}  // namespace xylem::kernels

#include "kernels/dense_simd.inl"

namespace xylem::kernels {

const DenseKernelTable& dense_kernels_avx512() {
  static const DenseKernelTable table = make_table<V512>("avx512");
  return table;
}

}  // namespace xylem::kernels
