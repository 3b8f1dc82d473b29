// Dense-layer kernels for any CPU: plain C++ with the compiler's baseline flags (and
// xylem's -ffp-contract=off, so no product is fused into a sum). Also the int8 weight
// packing and the scalar helpers of dense_kernel_support.h.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dense_kernel_support.h"
#include "kernels/dense_kernels.h"

namespace xylem::kernels {

namespace dense_detail {

void quantize_values_s8(const float* a, size_t count, float inv, bool unsigned_range, int8_t* q) {
  const float lo = unsigned_range ? 0.0f : -127.0f, hi = unsigned_range ? 255.0f : 127.0f;
  const int offset = unsigned_range ? 128 : 0;
  for (size_t i = 0; i < count; ++i) {
    float v = a[i] * inv;
    if (std::isnan(v)) v = 0.0f;
    v = std::nearbyint(v);  // the current rounding mode: to nearest, ties to even
    v = v < lo ? lo : v > hi ? hi : v;
    q[i] = static_cast<int8_t>(static_cast<int>(v) - offset);
  }
}

}  // namespace dense_detail

size_t packed_int8_size(size_t outputs, size_t inputs) {
  const size_t blocks = (outputs + kInt8Block - 1) / kInt8Block;
  return blocks * ((inputs + 3) / 4) * kInt8Block * 4;
}

void pack_int8_weights(const int8_t* w, size_t outputs, size_t inputs, int8_t* packed, int32_t* column_sums) {
  const size_t k4 = (inputs + 3) / 4, blocks = (outputs + kInt8Block - 1) / kInt8Block;
  std::memset(packed, 0, packed_int8_size(outputs, inputs));
  for (size_t b = 0; b < blocks; ++b)
    for (size_t ob = 0; ob < kInt8Block; ++ob) {
      const size_t o = b * kInt8Block + ob;
      if (o >= outputs) break;
      int32_t sum = 0;
      for (size_t i = 0; i < inputs; ++i) {
        const int8_t v = w[o * inputs + i];
        packed[((b * k4 + i / 4) * kInt8Block + ob) * 4 + i % 4] = v;
        sum += v;
      }
      column_sums[o] = sum;
    }
}

namespace {

// Each output starts at 0, adds a[i] * w[i][o] for i in order (product rounded, then
// sum rounded), then the bias: the bound of dense_kernels.h. The inner loop runs over
// a row of w, so the compiler may vectorise it without changing any rounding.
void gemm_f32(const float* a, size_t m, size_t k, const float* w, size_t n, const float* bias, float* c) {
  for (size_t r = 0; r < m; ++r) {
    float* out = c + r * n;
    std::fill(out, out + n, 0.0f);
    const float* ar = a + r * k;
    for (size_t i = 0; i < k; ++i) {
      const float ai = ar[i];
      const float* wr = w + i * n;
      for (size_t o = 0; o < n; ++o) out[o] += ai * wr[o];
    }
    if (bias)
      for (size_t o = 0; o < n; ++o) out[o] += bias[o];
  }
}

void relu_f32(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void leaky_relu_f32(float* x, size_t n, float alpha) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] < 0.0f ? alpha * x[i] : x[i];
}

// tanh, logistic and gelu in double, rounded once to float (within 1 ulp).
void tanh_f32(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
}

void logistic_f32(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    x[i] = static_cast<float>(1.0 / (1.0 + std::exp(-v)));  // exp overflow gives 1/inf = 0
  }
}

void gelu_f32(float* x, size_t n) {
  // x Phi(x) with Phi(x) = erfc(-x / sqrt 2) / 2, which keeps its relative accuracy
  // in the negative tail (1 + erf(x / sqrt 2) cancels there).
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i], phi = 0.5 * std::erfc(-v * 0.70710678118654752440);
    x[i] = phi == 0.0 ? -0.0f : static_cast<float>(v * phi);  // -inf * 0: the limit -0
  }
}

void softmax_f32(float* x, size_t m, size_t n) {
  for (size_t r = 0; r < m; ++r) {
    float* row = x + r * n;
    if (n == 0) continue;
    float mx = row[0];
    for (size_t i = 1; i < n; ++i) mx = row[i] > mx ? row[i] : mx;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) {
      row[i] = std::exp(row[i] - mx);
      sum += row[i];
    }
    for (size_t i = 0; i < n; ++i) row[i] = row[i] / sum;
  }
}

void quantize_s8(const float* a, size_t m, size_t k, size_t k_padded, const float* inv_scale, bool unsigned_range,
                 int8_t* q, float* scale) {
  for (size_t r = 0; r < m; ++r) {
    const float* ar = a + r * k;
    int8_t* qr = q + r * k_padded;
    float inv;
    if (inv_scale) {
      inv = *inv_scale;
    } else {
      float amax = 0.0f;
      for (size_t i = 0; i < k; ++i) {
        const float v = std::fabs(ar[i]);
        amax = v > amax ? v : amax;  // NaN compares false: ignored
      }
      scale[r] = dense_detail::quantize_scale(amax, unsigned_range);
      inv = dense_detail::quantize_inv_scale(amax, unsigned_range);
    }
    dense_detail::quantize_values_s8(ar, k, inv, unsigned_range, qr);
    if (k_padded > k) std::memset(qr + k, 0, k_padded - k);
  }
}

void dequantize_s8(const int32_t* acc, size_t m, size_t n, const float* row_scales, float static_scale,
                   const float* scales, const int32_t* column_sums, const float* bias, float* out) {
  for (size_t r = 0; r < m; ++r) {
    const float s = row_scales ? row_scales[r] : static_scale;
    for (size_t o = 0; o < n; ++o) {
      const int32_t sum = acc[r * n + o] + (column_sums ? 128 * column_sums[o] : 0);
      out[r * n + o] = static_cast<float>(sum) * (s * scales[o]) + bias[o];
    }
  }
}

void gemm_f32_narrow(const float* a, size_t m, size_t k, const float* wt, size_t n, const float* bias, float* c) {
  for (size_t r = 0; r < m; ++r)
    for (size_t o = 0; o < n; ++o) {
      float sum = 0;
      for (size_t i = 0; i < k; ++i) sum += a[r * k + i] * wt[o * k + i];
      c[r * n + o] = sum + bias[o];
    }
}

void gemm_s8(const int8_t* q, size_t m, const PackedInt8& w, int32_t* acc) {
  const size_t k4 = w.padded_inputs() / 4, kp = w.padded_inputs(), n = w.outputs;
  for (size_t r = 0; r < m; ++r) {
    const int8_t* qr = q + r * kp;
    for (size_t b = 0; b < w.blocks(); ++b) {
      int32_t sums[kInt8Block] = {};
      const int8_t* wb = w.values + b * k4 * kInt8Block * 4;
      for (size_t g = 0; g < k4; ++g)
        for (size_t ob = 0; ob < kInt8Block; ++ob)
          for (size_t j = 0; j < 4; ++j)
            sums[ob] += int32_t{qr[4 * g + j]} * int32_t{wb[(g * kInt8Block + ob) * 4 + j]};
      const size_t count = std::min(kInt8Block, n - b * kInt8Block);
      std::memcpy(acc + r * n + b * kInt8Block, sums, count * sizeof(int32_t));
    }
  }
}

}  // namespace

const DenseKernelTable& dense_kernels_portable() {
  static const DenseKernelTable table = {
      "portable", gemm_f32, gemm_f32_narrow, 0, relu_f32, leaky_relu_f32, tanh_f32, logistic_f32, gelu_f32, softmax_f32, quantize_s8,
      dequantize_s8,
  };
  return table;
}

const Int8GemmKernel& int8_gemm_portable() {
  static const Int8GemmKernel kernel = {"portable", gemm_s8};
  return kernel;
}

}  // namespace xylem::kernels
