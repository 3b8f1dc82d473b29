#include "engine/reference/network_reference.h"

#include <algorithm>
#include <cmath>

namespace xylem::reference {

template <typename T>
void activate(ir::Activation activation, double alpha, T* x, size_t n) {
  switch (activation) {
    case ir::Activation::Identity:
      return;
    case ir::Activation::Relu:  // np.maximum(x, 0): NaN stays NaN
      for (size_t i = 0; i < n; ++i) x[i] = x[i] < T(0) ? T(0) : x[i];
      return;
    case ir::Activation::LeakyRelu:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] >= T(0) ? x[i] : static_cast<T>(alpha) * x[i];
      return;
    case ir::Activation::Tanh:
      for (size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      return;
    case ir::Activation::Logistic:  // scipy.special.expit
      for (size_t i = 0; i < n; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      return;
    case ir::Activation::Softmax: {
      T max = x[0];
      for (size_t i = 1; i < n; ++i) max = std::max(max, x[i]);
      T sum = 0;
      for (size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
      }
      for (size_t i = 0; i < n; ++i) x[i] /= sum;
      return;
    }
    case ir::Activation::Gelu:
      for (size_t i = 0; i < n; ++i)
        x[i] = x[i] * (T(1) + std::erf(x[i] * static_cast<T>(0.70710678118654752440))) * T(0.5);
      return;
  }
}

float quantize_row(const float* a, size_t n, float static_scale, bool unsigned_range, int32_t* q) {
  const float levels = unsigned_range ? 255.0f : 127.0f, lowest = unsigned_range ? 0.0f : -127.0f;
  float scale, inverse;
  if (static_scale > 0) {
    scale = static_scale;
    inverse = 1.0f / static_scale;
  } else {
    float amax = 0;
    for (size_t i = 0; i < n; ++i) amax = std::fmax(amax, std::fabs(a[i]));  // NaN ignored
    scale = amax / levels;
    inverse = amax > 0 ? levels / amax : 0.0f;
  }
  for (size_t i = 0; i < n; ++i) {
    const float v = std::nearbyint(a[i] * inverse);  // ties to even in the default rounding mode
    q[i] = v != v ? 0 : static_cast<int32_t>(std::min(levels, std::max(lowest, v)));
  }
  return scale;
}

void int8_layer(const ir::DenseLayer& layer, const float* a, float* out) {
  const size_t k = static_cast<size_t>(layer.inputs), n = static_cast<size_t>(layer.outputs);
  std::vector<int32_t> q(k);
  const float static_scale = layer.int8.static_input_scale ? static_cast<float>(layer.int8.input_scale) : 0.0f;
  const float input_scale = quantize_row(a, k, static_scale, layer.int8.unsigned_input, q.data());
  for (size_t o = 0; o < n; ++o) {
    int32_t acc = 0;
    const int8_t* w = &layer.int8.values[o * k];
    for (size_t i = 0; i < k; ++i) acc += q[i] * static_cast<int32_t>(w[i]);
    out[o] = static_cast<float>(acc) * (input_scale * static_cast<float>(layer.int8.scales[o])) +
             static_cast<float>(layer.bias[o]);
  }
}

template <typename T>
void network_margins(const ir::Network& network, const double* row, T* margins) {
  const ir::DenseLayer& first = network.layers.front();
  std::vector<T> a(row, row + first.inputs), z;
  for (size_t li = 0; li < network.layers.size(); ++li) {
    const ir::DenseLayer& l = network.layers[li];
    const size_t k = static_cast<size_t>(l.inputs), n = static_cast<size_t>(l.outputs);
    z.assign(n, T(0));
    if (l.has_int8) {
      std::vector<float> a32(a.begin(), a.end()), z32(n);
      int8_layer(l, a32.data(), z32.data());
      std::copy(z32.begin(), z32.end(), z.begin());
    } else {
      for (size_t o = 0; o < n; ++o) {
        T sum = static_cast<T>(l.bias[o]);
        for (size_t i = 0; i < k; ++i) sum += a[i] * static_cast<T>(l.weights[i * n + o]);
        z[o] = sum;
      }
    }
    activate(l.activation, l.alpha, z.data(), n);
    a.swap(z);
  }
  std::copy(a.begin(), a.end(), margins);
}

template void network_margins<float>(const ir::Network&, const double*, float*);
template void network_margins<double>(const ir::Network&, const double*, double*);
template void activate<float>(ir::Activation, double, float*, size_t);
template void activate<double>(ir::Activation, double, double*, size_t);

}  // namespace xylem::reference
