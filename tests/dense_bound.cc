#include "tests/dense_bound.h"

#include <algorithm>
#include <cmath>

#include "engine/reference/network_reference.h"
#include "engine/reference/preprocessing.h"
#include "engine/reference/transforms.h"

namespace xylem::testing {
namespace {

double lipschitz(ir::Activation a, double alpha) {
  switch (a) {
    case ir::Activation::Logistic: return 0.25;
    case ir::Activation::LeakyRelu: return std::max(1.0, std::fabs(alpha));
    case ir::Activation::Gelu: return 1.13;  // the largest slope of x Phi(x) is 1.1289
    default: return 1.0;
  }
}

}  // namespace

bool has_dense_bound(const ir::Model& m) {
  return m.has_network || (m.has_linear && m.ensemble.trees.empty() && !m.linear.skip_missing);
}

DenseBound dense_bound(const ir::Model& m, const double* raw) {
  std::vector<ir::DenseLayer> layers = m.network.layers;
  ir::Precision p = m.network.precision;
  if (!m.has_network) {  // a linear model is one identity layer
    ir::DenseLayer l;
    l.inputs = m.num_features;
    l.outputs = m.num_outputs;
    l.weights = m.linear.weights;
    l.bias = m.linear.bias;
    layers = {l};
    p = m.output.accumulation;
  }
  const double u = p == ir::Precision::Float32 ? 0x1p-24 : 0x1p-53;
  const double c = p == ir::Precision::Float32 ? 8 : 2;
  std::vector<double> a(m.num_features), e(m.num_features, 0.0), scratch;
  if (m.steps.empty()) std::copy_n(raw, m.num_features, a.begin());
  else reference::apply_steps(m.steps, raw, a.data(), scratch);
  // A float32 network reads its inputs rounded to float32: the same in every engine.
  if (p == ir::Precision::Float32)
    for (double& x : a) x = static_cast<float>(x);
  for (const ir::DenseLayer& l : layers) {
    const size_t k = l.inputs, n = l.outputs;
    const double gamma = (k + 1) * u / (1 - (k + 1) * u);
    std::vector<double> z(n), ez(n);
    for (size_t o = 0; o < n; ++o) {
      double sum = l.bias[o], abs_sum = std::fabs(l.bias[o]), propagated = 0;
      for (size_t i = 0; i < k; ++i) {
        const double w = l.weights[i * n + o];
        sum += a[i] * w;
        abs_sum += std::fabs(a[i] * w);
        propagated += std::fabs(w) * e[i];
      }
      z[o] = sum;
      ez[o] = gamma * abs_sum + propagated;
    }
    std::vector<double> act = z;
    reference::activate<double>(l.activation, l.alpha, act.data(), n);
    const double max_ez = *std::max_element(ez.begin(), ez.end());
    std::vector<double> ea(n);
    for (size_t o = 0; o < n; ++o) {
      if (l.activation == ir::Activation::Softmax)  // |dp_o| <= p_o (|dz_o| + sum_j p_j |dz_j|); the sum of n terms rounds
        ea[o] = 2 * act[o] * max_ez + (c + n + 2) * u * act[o];
      else
        ea[o] = lipschitz(l.activation, l.alpha) * ez[o] +
                (l.activation == ir::Activation::Identity ? 0 : c * u * std::fabs(act[o]));
    }
    a = act;
    e = ea;
  }
  DenseBound b;
  b.margins = e;
  // Every transform of the margins here (softmax, sigmoid_pair, normalized_sigmoid) has
  // slope at most 2 in the max norm; identity 1. Its own rounding: a few ulp of |p|.
  const double max_e = *std::max_element(e.begin(), e.end());
  std::vector<double> out(ir::prediction_width(m));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = m.output.transform == ir::Transform::Identity ? e[i] : 2 * max_e + 16 * u;  // probabilities are at most 1
  if (m.output.transform == ir::Transform::Probit) {
    // ORT's probit has no bounded slope: the spread of its values over [a - e, a + e],
    // plus its own float32 rounding (a few ulp of |probit|, and of 2x - 1 inside).
    std::vector<double> lo(a.size()), hi(a.size()), mid(a.size());
    std::vector<float> x(a.size());
    auto probit = [&](const std::vector<double>& v, std::vector<double>& into) {
      for (size_t i = 0; i < v.size(); ++i) x[i] = static_cast<float>(v[i]);
      reference::transform_float32(m.output, x.data(), static_cast<int32_t>(x.size()), into.data());
    };
    std::vector<double> below(a.size()), above(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      below[i] = a[i] - e[i] - 4 * u * std::fabs(a[i]);
      above[i] = a[i] + e[i] + 4 * u * std::fabs(a[i]);
    }
    probit(below, lo);
    probit(above, hi);
    probit(a, mid);
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = std::fabs(hi[i] - lo[i]) + 64 * u * std::max(1.0, std::fabs(mid[i]));
  }
  b.predictions = out;
  return b;
}

}  // namespace xylem::testing
