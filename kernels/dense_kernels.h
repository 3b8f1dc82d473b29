// Kernels of dense layers (linear models, MLPs): float32 small matrix products,
// vectorised activations and softmax, and int8 matrix products with exact int32
// accumulation. One table per instruction set (dense_portable.cc, dense_avx2.cc,
// dense_avx512.cc), each compiled with its own target flags and chosen once at load
// time by CPU detection. Large batches go to BLAS (engine/compiled/dense_engine.cc);
// these kernels serve batch 1 and small batches, where BLAS's packing overhead and
// call cost dominate.
//
// No kernel allocates; none reads or writes outside the ranges it is given.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xylem::kernels {

// int8 weights packed for the int8 products: column blocks of kInt8Block outputs,
// each holding groups of 4 consecutive inputs per output (the layout vpdpbusd and
// pmaddubsw+pmaddwd consume):
//   values[((block * k4 + g) * kInt8Block + o_in_block) * 4 + j] = W[o][4 g + j]
// where k4 = ceil(inputs / 4), o = block * kInt8Block + o_in_block; inputs past
// `inputs` and outputs past `outputs` are 0.
// column_sums[o] = sum over i of W[o][i] (for kernels that make activations
// unsigned by adding 128 and subtract 128 * column_sums afterwards); it holds
// `outputs` values.
// Weights must be in [-127, 127] (symmetric quantization): the AVX2 and AVX-VNNI
// kernels move the activations' signs onto the weights (vpsignb), and -128 has no
// negation in int8.
inline constexpr size_t kInt8Block = 16;
struct PackedInt8 {
  const int8_t* values = nullptr;
  const int32_t* column_sums = nullptr;
  size_t inputs = 0;   // k
  size_t outputs = 0;  // n
  size_t padded_inputs() const { return (inputs + 3) / 4 * 4; }
  size_t blocks() const { return (outputs + kInt8Block - 1) / kInt8Block; }
};

// The number of int8 values of the packed layout above: blocks * k4 * kInt8Block * 4.
size_t packed_int8_size(size_t outputs, size_t inputs);
// Packs output-major weights (w_output_major[o * inputs + i] = W[o][i]) into `packed`
// (packed_int8_size(outputs, inputs) values) and writes `outputs` column sums.
void pack_int8_weights(const int8_t* w_output_major, size_t outputs, size_t inputs, int8_t* packed,
                       int32_t* column_sums);

struct DenseKernelTable {
  const char* isa;  // "portable", "avx2", "avx512"

  // c[r * n + o] = bias[o] + sum over i of a[r * k + i] * w[i * n + o], for r < m.
  // w is input-major (k x n), as scikit-learn's coefs_ are; bias may be null (0).
  // Each output sums its k products from 0 (one FMA, or one product and one sum, per
  // input; in input order, or for narrow layers in a few interleaved partial sums added
  // at the end), then adds the bias; a row's bits do not depend on m. So each output is
  // within the usual dot-product bound, k + 1 roundings:
  //   |error| <= gamma(k + 1) * sum |a w| + 2^-24 |bias|, gamma(j) = j 2^-24 / (1 - j 2^-24)
  // (gamma(k + 1) ~ (k + 1) 2^-24; the tests check exactly this).
  void (*gemm_f32)(const float* a, size_t m, size_t k, const float* w, size_t n, const float* bias, float* c);

  // Narrow layers (few outputs, many inputs: a 784 x 10 logistic regression): the same
  // product from transposed weights wt (n x k, output-major), each output a vector dot
  // product over the inputs reduced at the end, then + bias. Summation order depends
  // on k only. Worth it below narrow_outputs outputs (0: never) from 64 inputs on.
  void (*gemm_f32_narrow)(const float* a, size_t m, size_t k, const float* wt, size_t n, const float* bias, float* c);
  size_t narrow_outputs;

  // In place over n values, each within a few float32 ulp of the exact function;
  // dense_kernels_test.cc asserts tanh <= 3, logistic <= 4, gelu <= 6 ulp (measured
  // for the avx2 and avx512 tables: 1.22, 2.11 and 3.6; the portable table computes
  // in double and rounds once: 0.5). NaN gives NaN.
  // relu: x < 0 ? +0 : x (so -0 and NaN pass); leaky_relu: x < 0 ? alpha x : x.
  // tanh is exactly +-1 for |x| >= 9.1 and keeps the sign of zero; logistic is
  // exactly 0 or 1 in the limits (never NaN for infinite x); gelu(-inf) = -0.
  void (*relu_f32)(float* x, size_t n);
  void (*leaky_relu_f32)(float* x, size_t n, float alpha);
  void (*tanh_f32)(float* x, size_t n);
  void (*logistic_f32)(float* x, size_t n);  // 1 / (1 + exp(-x))
  void (*gelu_f32)(float* x, size_t n);      // x * (1 + erf(x / sqrt 2)) / 2
  // Each of m rows of n values: exp(x - max) / sum. The difference x - max is
  // rounded to float, so a value's relative error grows by about |x - max| 2^-24;
  // the sum adds n 2^-24. A row with a NaN (or +inf, or only -inf) is all NaN.
  void (*softmax_f32)(float* x, size_t m, size_t n);

  // Per-row quantization of m rows of k floats to int8 rows of padded k (zeros after
  // k), over L levels: L = 127, q in [-127, 127] (signed); or, with unsigned_range, for
  // inputs known to be non-negative (after relu, logistic, softmax), L = 255 and
  // u in [0, 255], stored as q = u - 128 (the caller adds 128 * column sums back).
  // With inv_scale null (dynamic):
  //   amax = max |a|; scale[r] = amax / L; u = clamp(rint(a * (L / amax)), lo, hi)
  //   (all in float32; amax == 0 gives scale 0 and u 0).
  // With inv_scale (static, one value for all rows): u = clamp(rint(a * *inv_scale)),
  // and scale[r] is not written. NaN quantizes to 0 (and is ignored by amax). rint
  // rounds half to even. Every table gives the same bytes and scales, bit for bit.
  void (*quantize_s8)(const float* a, size_t m, size_t k, size_t k_padded, const float* inv_scale, bool unsigned_range,
                      int8_t* q, float* scale);

  // The dequantization of int8 products, exactly as the reference computes it:
  //   out[r * n + o] = float(acc[r * n + o] + 128 * column_sums[o]) * (s_r * scales[o]) + bias[o]
  // with s_r = row_scales[r] (or static_scale when row_scales is null), the 128 *
  // column_sums term only when column_sums is given (unsigned-range inputs), the sum in
  // int32, then float32 operations one at a time (no fused multiply-add).
  void (*dequantize_s8)(const int32_t* acc, size_t m, size_t n, const float* row_scales, float static_scale,
                        const float* scales, const int32_t* column_sums, const float* bias, float* out);

};

const DenseKernelTable& dense_kernels_portable();
const DenseKernelTable& dense_kernels_avx2();    // needs AVX2 and FMA (cpu_has_avx2_fma())
const DenseKernelTable& dense_kernels_avx512();  // needs AVX-512 F/BW/DQ/VL

// The int8 matrix product, one per instruction set (its own file and flags):
//   acc[r * n + o] = sum over i of q[r * k_padded + i] * W[o][i], exactly, in int32,
// for q in [-128, 127] (-128 comes from unsigned-range quantization: as an unsigned byte
// |q| = 128, and 2 x 128 x 127 = 32512 still fits pmaddubsw's int16 pair sums), where
// k_padded = w.padded_inputs() is the stride of q's rows (the
// values of q past k are multiplied by zero weights). Every variant gives the same
// int32 sums, bit for bit (no saturation anywhere for k < 2^31 / (255 * 128)).
struct Int8GemmKernel {
  const char* isa;  // "portable", "avx2" (pmaddubsw), "avx_vnni", "avx512_vnni" (vpdpbusd)
  void (*gemm_s8)(const int8_t* q, size_t m, const PackedInt8& w, int32_t* acc);
};

const Int8GemmKernel& int8_gemm_portable();
const Int8GemmKernel& int8_gemm_avx2();         // needs AVX2
const Int8GemmKernel& int8_gemm_avx_vnni();     // needs AVX-VNNI (and AVX2)
const Int8GemmKernel& int8_gemm_avx512_vnni();  // needs AVX-512 F/BW/VL and AVX512-VNNI

}  // namespace xylem::kernels
