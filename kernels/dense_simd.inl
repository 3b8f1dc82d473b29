// The float32 dense kernels, written once over a vector type V and included by
// dense_avx2.cc (V = 8 floats in a ymm) and dense_avx512.cc (16 floats in a zmm), each
// compiled with its own flags. Everything here is in an unnamed namespace, so every
// including file has its own copy: no function compiled for one instruction set can
// be linked into another's callers.
//
// V provides: F (register), M (lane mask), W (lanes), zero/set1/load/store,
// load_n/store_n (the first n < W lanes; others read as 0 / are not written),
// load_n_or (others read as `fill`), add/sub/mul/div/fma (a * b + c, one rounding),
// min/max (x86 semantics), abs, copysign, lt/ge/isnan, select(m, a, b) = m ? a : b,
// round (to nearest even), ldexp(y, n) = y 2^n (n integral, in [-150, 128]),
// reduce_add/reduce_max, store_s8 (W integral values in [-127, 127] to W bytes),
// kRows, nv_max(rows) and chains(nv): the register blocking of gemm_f32.
//
// Measured errors against the function in double (dense_kernels_test.cc sweeps every
// 997th float of [-200, 200] plus edge values; a grid of step 1e-4 over [-16, 16] was
// checked too): tanh 1.22 ulp (at 0.636, just above the polynomial's range), logistic
// 2.11 ulp (at -2.75), gelu 3.05 ulp in the sweep and 3.63 on the grid (at -5.60: the
// exp(-x^2/2) Q(1/|x|) tail). The test asserts 3, 4 and 6.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dense_kernel_support.h"
#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

// ---------------------------------------------------------------- gemm_f32

// One tile: R rows of a times NV vectors of columns (from `col`), the last vector with
// `last` lanes when Masked. Each output sums a[r][i] w[i][col + v W + lane] by FMA,
// from 0, in U = V::chains(NV) interleaved partial sums (input i goes to sum i % U:
// independent FMA chains when the tile is narrow, as a 784 x 10 layer's), added in
// order 0, 1, .. U-1; then the bias. The partition depends on NV only, never on R,
// so a row's bits do not depend on the batch it comes in. Each output still goes
// through at most k + 1 roundings (the bound of dense_kernels.h).
template <class V, int R, int NV, bool Masked>
void gemm_tile(const float* a, size_t k, const float* w, size_t n, const float* bias, float* c, size_t col,
               size_t last) {
  using F = typename V::F;
  constexpr size_t W = V::W;
  constexpr int U = V::chains(NV);
  F acc[U][R][NV];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) acc[u][r][v] = V::zero();
  auto step = [&](F(&sums)[R][NV], size_t i) {
    const float* wp = w + i * n + col;
    F wv[NV];
    for (int v = 0; v < NV; ++v)
      wv[v] = (Masked && v == NV - 1) ? V::load_n(wp + v * W, last) : V::load(wp + v * W);
    for (int r = 0; r < R; ++r) {
      const F ar = V::set1(a[r * k + i]);
      for (int v = 0; v < NV; ++v) sums[r][v] = V::fma(ar, wv[v], sums[r][v]);
    }
  };
  size_t i = 0;
  for (; i + U <= k; i += U)
    for (int u = 0; u < U; ++u) step(acc[u], i + u);
  for (int u = 0; i < k; ++i, ++u) step(acc[u], i);
  for (int u = 1; u < U; ++u)
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) acc[0][r][v] = V::add(acc[0][r][v], acc[u][r][v]);
  for (int v = 0; v < NV; ++v) {
    const bool tail = Masked && v == NV - 1;
    F b = V::zero();
    if (bias) b = tail ? V::load_n(bias + col + v * W, last) : V::load(bias + col + v * W);
    for (int r = 0; r < R; ++r) {
      float* out = c + r * n + col + v * W;
      const F y = bias ? V::add(acc[0][r][v], b) : acc[0][r][v];
      if (tail)
        V::store_n(out, y, last);
      else
        V::store(out, y);
    }
  }
}

template <class V, int R, int NV>
void gemm_dispatch(int nv, bool masked, const float* a, size_t k, const float* w, size_t n, const float* bias,
                   float* c, size_t col, size_t last) {
  if (nv == NV) {
    if (masked)
      gemm_tile<V, R, NV, true>(a, k, w, n, bias, c, col, last);
    else
      gemm_tile<V, R, NV, false>(a, k, w, n, bias, c, col, last);
  } else if constexpr (NV > 1) {
    gemm_dispatch<V, R, NV - 1>(nv, masked, a, k, w, n, bias, c, col, last);
  }
}

// R rows, all n columns, in column blocks of V::nv_max(R) vectors (one pass over w
// per block).
template <class V, int R>
void gemm_rows(const float* a, size_t k, const float* w, size_t n, const float* bias, float* c) {
  constexpr int kNv = V::nv_max(R);
  constexpr size_t W = V::W, step = kNv * W;
  for (size_t col = 0; col < n; col += step) {
    const size_t cols = n - col < step ? n - col : step;
    const int nv = static_cast<int>((cols + W - 1) / W);
    const size_t last = cols - (nv - 1) * W;
    gemm_dispatch<V, R, kNv>(nv, last != W, a, k, w, n, bias, c, col, last);
  }
}

// The narrow product: R rows x O outputs of vector dot products over the inputs (W
// lanes each, masked tail), reduced by V::reduce_add (a fixed tree), then + bias.
template <class V, int R, int O>
void narrow_tile(const float* a, size_t k, const float* wt, size_t n, size_t o0, const float* bias, float* c) {
  using F = typename V::F;
  constexpr size_t W = V::W;
  F acc[R][O];
  for (int r = 0; r < R; ++r)
    for (int o = 0; o < O; ++o) acc[r][o] = V::zero();
  size_t i = 0;
  for (; i + W <= k; i += W) {
    F av[R];
    for (int r = 0; r < R; ++r) av[r] = V::load(a + r * k + i);
    for (int o = 0; o < O; ++o) {
      const F wv = V::load(wt + (o0 + o) * k + i);
      for (int r = 0; r < R; ++r) acc[r][o] = V::fma(av[r], wv, acc[r][o]);
    }
  }
  if (i < k) {
    F av[R];
    for (int r = 0; r < R; ++r) av[r] = V::load_n(a + r * k + i, k - i);
    for (int o = 0; o < O; ++o) {
      const F wv = V::load_n(wt + (o0 + o) * k + i, k - i);
      for (int r = 0; r < R; ++r) acc[r][o] = V::fma(av[r], wv, acc[r][o]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int o = 0; o < O; ++o) c[r * n + o0 + o] = V::reduce_add(acc[r][o]) + bias[o0 + o];
}

template <class V, int R>
void narrow_rows(const float* a, size_t k, const float* wt, size_t n, const float* bias, float* c) {
  size_t o = 0;
  for (; o + 3 <= n; o += 3) narrow_tile<V, R, 3>(a, k, wt, n, o, bias, c);
  if (n - o == 2) narrow_tile<V, R, 2>(a, k, wt, n, o, bias, c);
  if (n - o == 1) narrow_tile<V, R, 1>(a, k, wt, n, o, bias, c);
}

template <class V>
void gemm_f32_narrow(const float* a, size_t m, size_t k, const float* wt, size_t n, const float* bias, float* c) {
  size_t r = 0;
  for (; r + 4 <= m; r += 4) narrow_rows<V, 4>(a + r * k, k, wt, n, bias, c + r * n);
  switch (m - r) {
    case 3: narrow_rows<V, 3>(a + r * k, k, wt, n, bias, c + r * n); break;
    case 2: narrow_rows<V, 2>(a + r * k, k, wt, n, bias, c + r * n); break;
    case 1: narrow_rows<V, 1>(a + r * k, k, wt, n, bias, c + r * n); break;
    default: break;
  }
}

template <class V>
void gemm_f32_impl(const float* a, size_t m, size_t k, const float* w, size_t n, const float* bias, float* c) {
  static_assert(V::kRows == 4);
  size_t r = 0;
  for (; r + 4 <= m; r += 4) gemm_rows<V, 4>(a + r * k, k, w, n, bias, c + r * n);
  switch (m - r) {
    case 3: gemm_rows<V, 3>(a + r * k, k, w, n, bias, c + r * n); break;
    case 2: gemm_rows<V, 2>(a + r * k, k, w, n, bias, c + r * n); break;
    case 1: gemm_rows<V, 1>(a + r * k, k, w, n, bias, c + r * n); break;
    default: break;
  }
}

// ---------------------------------------------------------------- activations

template <class V, class Fn>
inline void map_in_place(float* x, size_t n, Fn fn) {
  size_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(x + i, fn(V::load(x + i)));
  if (i < n) V::store_n(x + i, fn(V::load_n(x + i, n - i)), n - i);
}

// exp(x) for x not NaN: Cephes' expf. x is clamped to [-104, 88.8] (exp(-104) rounds
// to 0, exp(88.8) overflows to inf), n = round(x log2 e), r = x - n ln 2 in two FMAs
// (n * 0.693359375 is exact), exp(r) by Cephes' degree-6 polynomial on
// |r| <= ln(2)/2, then scaled by 2^n in one rounding (also into the subnormals).
template <class V>
inline typename V::F exp_v(typename V::F x) {
  using F = typename V::F;
  x = V::min(V::max(x, V::set1(-104.0f)), V::set1(88.8f));
  const F n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  F r = V::fma(n, V::set1(-0.693359375f), x);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  F p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  const F y = V::add(V::fma(p, V::mul(r, r), r), V::set1(1.0f));
  return V::ldexp(y, n);
}

template <class V>
inline typename V::F nan_passes(typename V::F x, typename V::F y) {
  return V::select(V::isnan(x), V::add(x, x), y);
}

// tanh: |x| < 0.625, Cephes' odd polynomial; above, 1 - 2 / (exp(2|x|) + 1), with
// |x| clamped to 10 (tanh(x) rounds to 1 from 9.01 on, and 2 / (exp(20) + 1) is
// below half an ulp of 1: the result is exactly 1); the sign of x put back last.
template <class V>
inline typename V::F tanh_v(typename V::F x) {
  using F = typename V::F;
  const F ax = V::abs(x);
  const F z = V::mul(ax, ax);
  F p = V::set1(-5.70498872745e-3f);
  p = V::fma(p, z, V::set1(2.06390887954e-2f));
  p = V::fma(p, z, V::set1(-5.37397155531e-2f));
  p = V::fma(p, z, V::set1(1.33314422036e-1f));
  p = V::fma(p, z, V::set1(-3.33332819422e-1f));
  const F small = V::fma(V::mul(p, z), ax, ax);
  const F e = exp_v<V>(V::add(V::min(ax, V::set1(10.0f)), V::min(ax, V::set1(10.0f))));
  const F large = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  const F t = V::select(V::lt(ax, V::set1(0.625f)), small, large);
  return nan_passes<V>(x, V::copysign(t, x));
}

// logistic: e = exp(-|x|) (never overflows), then 1 / (1 + e) for x >= 0 and
// e / (1 + e) below (no cancellation, and the subnormal results of x < -87 kept).
template <class V>
inline typename V::F logistic_v(typename V::F x) {
  using F = typename V::F;
  const F e = exp_v<V>(V::sub(V::zero(), V::abs(x)));
  const F one = V::set1(1.0f);
  const F num = V::select(V::ge(x, V::zero()), one, e);
  return nan_passes<V>(x, V::div(num, V::add(one, e)));
}

// gelu(x) = x Phi(x).
//  |x| < 1: 0.5 x (1 + x P(x^2)), P(y) ~ erf(x / sqrt 2) / x, degree 5 in z = 2y - 1
//    (Chebyshev fit, relative error 7.5e-10; cancellation near x = -1 costs < 2.2x).
//  |x| >= 1: with c = |x| Phi(-|x|) = exp(-x^2 / 2) Q(1 / |x|), gelu = -c for x < 0 and
//    x - c for x > 0. Q(v) = erfc(1/(v sqrt 2)) exp(1/(2 v^2)) / (2 v), degree 14 in
//    z = (2 v - 16/15) / (14/15) on v in [1/15, 1] (Chebyshev fit, relative error
//    3.4e-9); x^2 = hi + lo exactly (FMA), exp(-x^2/2) = exp(-hi/2) (1 - lo/2): no
//    rounding of the argument is amplified in the tail. |x| is clamped to 15, where
//    exp(-112.5) is 0: gelu(x) = x above, -0 below.
template <class V>
inline typename V::F gelu_v(typename V::F x) {
  using F = typename V::F;
  const F ax = V::abs(x);
  // small
  const F y = V::mul(x, x);
  const F zs = V::fma(y, V::set1(2.0f), V::set1(-1.0f));
  F p = V::set1(-4.787836357e-07f);
  p = V::fma(p, zs, V::set1(1.179386885e-05f));
  p = V::fma(p, zs, V::set1(-2.446226855e-04f));
  p = V::fma(p, zs, V::set1(4.177245135e-03f));
  p = V::fma(p, zs, V::set1(-5.735243285e-02f));
  p = V::fma(p, zs, V::set1(7.360979869e-01f));
  const F hx = V::mul(x, V::set1(0.5f));
  const F small = V::fma(hx, V::mul(x, p), hx);
  // large
  const F axc = V::min(ax, V::set1(15.0f));
  const F v = V::div(V::set1(1.0f), axc);
  const F z = V::fma(v, V::set1(15.0f / 7.0f), V::set1(-8.0f / 7.0f));
  F q = V::set1(-4.020547981e-05f);
  q = V::fma(q, z, V::set1(6.672935669e-05f));
  q = V::fma(q, z, V::set1(6.660300966e-05f));
  q = V::fma(q, z, V::set1(-1.886325399e-04f));
  q = V::fma(q, z, V::set1(1.429001415e-04f));
  q = V::fma(q, z, V::set1(-1.803803608e-04f));
  q = V::fma(q, z, V::set1(2.771657720e-04f));
  q = V::fma(q, z, V::set1(2.962732720e-06f));
  q = V::fma(q, z, V::set1(-1.059030112e-03f));
  q = V::fma(q, z, V::set1(3.302582151e-03f));
  q = V::fma(q, z, V::set1(-6.662825004e-03f));
  q = V::fma(q, z, V::set1(8.016449041e-03f));
  q = V::fma(q, z, V::set1(6.115283597e-03f));
  q = V::fma(q, z, V::set1(-7.882673256e-02f));
  q = V::fma(q, z, V::set1(3.305454213e-01f));
  const F hi = V::mul(axc, axc);
  const F lo = V::fma(axc, axc, V::sub(V::zero(), hi));
  const F half = V::set1(-0.5f);
  const F ex = V::mul(exp_v<V>(V::mul(hi, half)), V::fma(lo, half, V::set1(1.0f)));
  const F corr = V::mul(ex, q);
  const F large = V::select(V::lt(x, V::zero()), V::sub(V::set1(-0.0f), corr), V::sub(x, corr));
  return nan_passes<V>(x, V::select(V::lt(ax, V::set1(1.0f)), small, large));
}

template <class V>
void relu_f32(float* x, size_t n) {
  map_in_place<V>(x, n, [](typename V::F v) { return V::select(V::lt(v, V::zero()), V::zero(), v); });
}

template <class V>
void leaky_relu_f32(float* x, size_t n, float alpha) {
  const typename V::F al = V::set1(alpha);
  map_in_place<V>(x, n, [al](typename V::F v) { return V::select(V::lt(v, V::zero()), V::mul(v, al), v); });
}

template <class V>
void tanh_f32(float* x, size_t n) {
  map_in_place<V>(x, n, [](typename V::F v) { return tanh_v<V>(v); });
}

template <class V>
void logistic_f32(float* x, size_t n) {
  map_in_place<V>(x, n, [](typename V::F v) { return logistic_v<V>(v); });
}

template <class V>
void gelu_f32(float* x, size_t n) {
  map_in_place<V>(x, n, [](typename V::F v) { return gelu_v<V>(v); });
}

template <class V>
void softmax_f32(float* x, size_t m, size_t n) {
  using F = typename V::F;
  constexpr size_t W = V::W;
  const F neg_inf = V::set1(-__builtin_inff());
  for (size_t r = 0; r < m; ++r) {
    float* row = x + r * n;
    if (n == 0) continue;
    F mx = neg_inf;
    size_t i = 0;
    for (; i + W <= n; i += W) mx = V::max(V::load(row + i), mx);
    if (i < n) mx = V::max(V::load_n_or(row + i, n - i, neg_inf), mx);
    const F vmax = V::set1(V::reduce_max(mx));
    // exp(x - max); a NaN difference (NaN in the row, or max infinite) stays NaN,
    // and the sum makes the row NaN.
    F sum = V::zero();
    for (i = 0; i + W <= n; i += W) {
      const F d = V::sub(V::load(row + i), vmax);
      const F e = nan_passes<V>(d, exp_v<V>(d));
      V::store(row + i, e);
      sum = V::add(sum, e);
    }
    if (i < n) {
      const F d = V::sub(V::load_n_or(row + i, n - i, neg_inf), vmax);
      const F e = nan_passes<V>(d, exp_v<V>(d));
      V::store_n(row + i, e, n - i);
      sum = V::add(sum, e);
    }
    const F total = V::set1(V::reduce_add(sum));
    for (i = 0; i + W <= n; i += W) V::store(row + i, V::div(V::load(row + i), total));
    if (i < n) V::store_n(row + i, V::div(V::load_n(row + i, n - i), total), n - i);
  }
}

// ---------------------------------------------------------------- quantize_s8

template <class V>
void quantize_s8(const float* a, size_t m, size_t k, size_t k_padded, const float* inv_scale, bool unsigned_range,
                 int8_t* q, float* scale) {
  using F = typename V::F;
  constexpr size_t W = V::W;
  for (size_t r = 0; r < m; ++r) {
    const float* ar = a + r * k;
    int8_t* qr = q + r * k_padded;
    float inv;
    if (inv_scale) {
      inv = *inv_scale;
    } else {
      // max(|a|, acc) gives acc when |a| is NaN: NaN is ignored, as in the scalar loop.
      F acc = V::zero();
      size_t i = 0;
      for (; i + W <= k; i += W) acc = V::max(V::abs(V::load(ar + i)), acc);
      if (i < k) acc = V::max(V::abs(V::load_n(ar + i, k - i)), acc);
      const float amax = V::reduce_max(acc);
      scale[r] = dense_detail::quantize_scale(amax, unsigned_range);
      inv = dense_detail::quantize_inv_scale(amax, unsigned_range);
    }
    const F vinv = V::set1(inv), lo = V::set1(unsigned_range ? 0.0f : -127.0f),
            hi = V::set1(unsigned_range ? 255.0f : 127.0f), offset = V::set1(unsigned_range ? 128.0f : 0.0f);
    size_t i = 0;
    for (; i + W <= k; i += W) {
      F v = V::mul(V::load(ar + i), vinv);
      v = V::select(V::isnan(v), V::zero(), v);
      v = V::min(V::max(v, lo), hi);
      // Round, then shift by an integer: exact (rounding after the shift would not be).
      V::store_s8(qr + i, V::sub(V::round(v), offset));
    }
    dense_detail::quantize_values_s8(ar + i, k - i, inv, unsigned_range, qr + i);
    if (k_padded > k) std::memset(qr + k, 0, k_padded - k);
  }
}

// ---------------------------------------------------------------- dequantize_s8

template <class V>
void dequantize_s8(const int32_t* acc, size_t m, size_t n, const float* row_scales, float static_scale,
                   const float* scales, const int32_t* column_sums, const float* bias, float* out) {
  using F = typename V::F;
  constexpr size_t W = V::W;
  for (size_t r = 0; r < m; ++r) {
    const F s = V::set1(row_scales ? row_scales[r] : static_scale);
    const int32_t* ar = acc + r * n;
    float* dst = out + r * n;
    for (size_t o = 0; o < n; o += W) {
      const size_t count = n - o < W ? n - o : W;
      const F x = V::cvt_i32(ar + o, column_sums ? column_sums + o : nullptr, count);
      const F y = V::add(V::mul(x, V::mul(s, V::load_n(scales + o, count))), V::load_n(bias + o, count));
      V::store_n(dst + o, y, count);
    }
  }
}

template <class V>
DenseKernelTable make_table(const char* isa) {
  return DenseKernelTable{
      isa,
      gemm_f32_impl<V>,
      gemm_f32_narrow<V>,
      2 * V::W,
      relu_f32<V>,
      leaky_relu_f32<V>,
      tanh_f32<V>,
      logistic_f32<V>,
      gelu_f32<V>,
      softmax_f32<V>,
      quantize_s8<V>,
      dequantize_s8<V>,
  };
}

}  // namespace
}  // namespace xylem::kernels
