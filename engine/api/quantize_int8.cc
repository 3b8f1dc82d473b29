// Model::quantize_int8: the IR's dense layers to symmetric per-output-channel int8
// weights, optional static input scales from calibration rows, and the measured
// accuracy cost. The arithmetic of an int8 layer is the reference predictor's
// (engine/reference/network_reference.cc); this file only chooses the numbers.
#include <algorithm>
#include <cmath>

#include "engine/api/model_impl.h"
#include "engine/ir/validate.h"
#include "engine/reference/network_reference.h"
#include "engine/reference/preprocessing.h"

namespace xylem {
namespace {

// A linear model without trees becomes the one-layer network it is.
void linear_to_network(ir::Model& m) {
  ir::DenseLayer l;
  l.inputs = m.num_features;
  l.outputs = m.num_outputs;
  l.weights = m.linear.weights;
  l.bias = m.linear.bias;
  m.network.layers = {l};
  m.network.precision = m.output.accumulation;
  m.has_network = true;
  m.has_linear = false;
  m.linear = {};
}

// scale_o = max_i |w_io| / 127 in float32; a column of zeros gets scale 1 and zeros.
void quantize_weights(ir::DenseLayer& l) {
  const size_t k = static_cast<size_t>(l.inputs), n = static_cast<size_t>(l.outputs);
  l.int8.values.assign(k * n, 0);
  l.int8.scales.assign(n, 1.0);
  for (size_t o = 0; o < n; ++o) {
    float amax = 0;
    for (size_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(static_cast<float>(l.weights[i * n + o])));
    if (amax == 0) continue;
    const float scale = amax / 127.0f;
    l.int8.scales[o] = scale;
    for (size_t i = 0; i < k; ++i) {
      const float q = std::nearbyint(static_cast<float>(l.weights[i * n + o]) / scale);
      l.int8.values[o * k + i] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
  }
  l.has_int8 = true;
  l.weights.clear();
}

// Each layer's static input range: the 99.99th percentile of |input| over the
// calibration rows, through the float network. Not the maximum, so that a rare
// far-out row does not shrink every other row to a few int8 steps (larger inputs
// saturate at the range instead). Calibration rows must still be like the rows the
// model will serve: on the scikit-learn MLP fixture, calibrated on its input.csv
// (10% of its rows far out on purpose), 41% of the classes stayed the same; calibrated
// on its 200 ordinary rows, 99.5%.
constexpr double kStaticRangePercentile = 0.9999;

std::vector<float> layer_input_ranges(const ir::Model& m, const double* rows, size_t n_rows) {
  const std::vector<ir::DenseLayer>& layers = m.network.layers;
  std::vector<std::vector<float>> magnitudes(layers.size());
  const size_t width = static_cast<size_t>(ir::input_width(m));
  std::vector<double> features(m.num_features), scratch;
  for (size_t r = 0; r < n_rows; ++r) {
    const double* row = rows + r * width;
    if (!m.steps.empty()) {
      reference::apply_steps(m.steps, row, features.data(), scratch);
      row = features.data();
    }
    std::vector<float> a(row, row + m.num_features), z;
    for (size_t li = 0; li < layers.size(); ++li) {
      const ir::DenseLayer& l = layers[li];
      for (float v : a)
        if (v == v) magnitudes[li].push_back(std::fabs(v));
      const size_t k = static_cast<size_t>(l.inputs), n = static_cast<size_t>(l.outputs);
      z.assign(n, 0.0f);
      for (size_t o = 0; o < n; ++o) {
        float sum = static_cast<float>(l.bias[o]);
        for (size_t i = 0; i < k; ++i) sum += a[i] * static_cast<float>(l.weights[i * n + o]);
        z[o] = sum;
      }
      reference::activate<float>(l.activation, l.alpha, z.data(), n);
      a.swap(z);
    }
  }
  std::vector<float> ranges(layers.size(), 0.0f);
  for (size_t li = 0; li < layers.size(); ++li) {
    std::vector<float>& v = magnitudes[li];
    if (v.empty()) continue;
    const size_t at = std::min(v.size() - 1, static_cast<size_t>(kStaticRangePercentile * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + at, v.end());
    ranges[li] = std::isfinite(v[at]) ? v[at] : 0.0f;
  }
  return ranges;
}

bool is_classifier(const ir::Model& m) {
  return m.task == ir::Task::BinaryClassification || m.task == ir::Task::MulticlassClassification;
}

// The class a prediction row names: the class index itself for class outputs, else
// the most probable column (a one-column binary probability: p > 0.5).
double predicted_class(const double* p, int32_t width, ir::Transform transform) {
  if (transform == ir::Transform::ArgMaxClass || transform == ir::Transform::HingeClass) return p[0];
  if (width == 1) return p[0] > 0.5 ? 1 : 0;
  return static_cast<double>(std::max_element(p, p + width) - p);
}

}  // namespace

Model Model::quantize_int8(const double* calibration, size_t n_rows, const Int8Options& options,
                           Int8Report* report) const {
  const ir::Model& original = impl_->ir();
  ir::Model m = original;
  if (!m.has_network) {
    if (!m.has_linear || !m.ensemble.trees.empty())
      throw Error("int8 quantization needs dense layers (an MLP or a linear model); this model has trees");
    linear_to_network(m);
  }
  for (const ir::DenseLayer& l : m.network.layers)
    if (l.has_int8) throw Error("the model is already quantized to int8");
  if (options.static_input_scales && n_rows == 0)
    throw Error("static int8 input scales are measured on calibration rows; none were given");
  Int8Report r;
  const size_t float_size = m.network.precision == ir::Precision::Float64 ? sizeof(double) : sizeof(float);
  for (const ir::DenseLayer& l : m.network.layers) r.float_bytes += l.weights.size() * float_size;
  std::vector<float> ranges;
  if (options.static_input_scales) ranges = layer_input_ranges(m, calibration, n_rows);
  for (size_t li = 0; li < m.network.layers.size(); ++li) {
    ir::DenseLayer& l = m.network.layers[li];
    quantize_weights(l);
    // After relu, logistic or softmax no input is negative: 255 levels instead of 127
    // halve the inputs' rounding error (on a 100-256-256-256-10 relu MLP: classes
    // unchanged on 99.3% -> 99.x% of rows).
    const ir::Activation before = li > 0 ? m.network.layers[li - 1].activation : ir::Activation::Identity;
    l.int8.unsigned_input = before == ir::Activation::Relu || before == ir::Activation::Logistic ||
                            before == ir::Activation::Softmax;
    if (options.static_input_scales) {
      l.int8.static_input_scale = true;
      const float levels = l.int8.unsigned_input ? 255.0f : 127.0f;
      l.int8.input_scale = ranges[li] > 0 ? ranges[li] / levels : 1.0f;
    }
    r.int8_bytes += l.int8.values.size() + l.int8.scales.size() * sizeof(float);
    ++r.layers;
  }
  // int8 layers compute in float32; so does the rest of the network from now on.
  m.network.precision = ir::Precision::Float32;
  m.output.accumulation = ir::Precision::Float32;
  for (ir::DenseLayer& l : m.network.layers)
    for (double& b : l.bias) b = static_cast<float>(b);
  ir::validate(m, "int8 model");
  Model quantized(std::make_shared<const Impl>(std::move(m), engine::EngineChoice{}));

  if (n_rows > 0) {
    const int32_t width = ir::prediction_width(original);
    std::vector<double> want(n_rows * width), got(n_rows * width);
    predict(calibration, n_rows, want.data());
    quantized.predict(calibration, n_rows, got.data());
    double sum = 0;
    size_t same = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const double e = std::fabs(got[i] - want[i]);
      r.max_abs_error = std::max(r.max_abs_error, e);
      sum += e;
    }
    for (size_t row = 0; row < n_rows; ++row)
      same += predicted_class(&want[row * width], width, original.output.transform) ==
              predicted_class(&got[row * width], width, original.output.transform);
    r.rows = n_rows;
    r.mean_abs_error = want.empty() ? 0 : sum / static_cast<double>(want.size());
    if (is_classifier(original)) r.same_class_share = static_cast<double>(same) / static_cast<double>(n_rows);
  }
  if (report) *report = r;
  return quantized;
}

}  // namespace xylem
