// Networks, linear models and preprocessing steps: the dense engine against the
// reference predictor on random networks of every activation, precision and
// instruction set, int8 layers, the pipeline engine, and the rules of each step.
//
// The dense engine sums each dot product in its own order (BLAS, SIMD FMAs) and uses
// vectorised exp/tanh/erf, so it is held to a bound, not to bits: the first-order
// rounding-error bound of the forward pass, computed per row and output
// (tests/dense_bound.h), doubled for the two evaluations compared and doubled again
// for the second-order terms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/ir/model_ir.h"
#include "engine/reference/network_reference.h"
#include "engine/reference/preprocessing.h"
#include "formats/xylem_json.h"
#include "tests/dense_bound.h"
#include "tests/ir_builders.h"
#include "tests/test_support.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using ir::Activation;

struct Bound {
  std::vector<double> margins;
};

// The shared bound (tests/dense_bound.h) of one row.
Bound margin_bound(const ir::Network& net, const std::vector<double>& row) {
  ir::Model m = model_of({}, static_cast<int32_t>(row.size()), net.layers.back().outputs);
  m.has_network = true;
  m.network = net;
  m.output.accumulation = net.precision;
  return {dense_bound(m, row.data()).margins};
}

double unit_roundoff(ir::Precision p) { return p == ir::Precision::Float32 ? 0x1p-24 : 0x1p-53; }

// A random network: weights ~ U(-1, 1) / sqrt(inputs) (the scale training leaves),
// exact floats when the network is float32.
ir::Model random_network(std::mt19937_64& rng, ir::Precision p, std::vector<int32_t> widths,
                         std::vector<Activation> activations, ir::Transform transform) {
  ir::Model m = model_of({}, widths.front(), widths.back());
  m.task = transform == ir::Transform::Identity ? ir::Task::Regression : ir::Task::MulticlassClassification;
  m.output.accumulation = p;
  m.output.transform_precision = p;
  m.output.transform = transform;
  m.has_network = true;
  m.network.precision = p;
  std::uniform_real_distribution<double> unit(-1, 1);
  auto value = [&](double scale) {
    const double v = unit(rng) * scale;
    return p == ir::Precision::Float32 ? static_cast<double>(static_cast<float>(v)) : v;
  };
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    ir::DenseLayer l;
    l.inputs = widths[i];
    l.outputs = widths[i + 1];
    l.activation = activations[i];
    l.alpha = 0.1;
    const double scale = 1.5 / std::sqrt(static_cast<double>(l.inputs));
    for (int32_t j = 0; j < l.inputs * l.outputs; ++j) l.weights.push_back(value(scale));
    for (int32_t j = 0; j < l.outputs; ++j) l.bias.push_back(value(0.5));
    m.network.layers.push_back(std::move(l));
  }
  return m;
}

std::vector<double> random_rows(std::mt19937_64& rng, size_t n, size_t width, double scale = 2) {
  std::normal_distribution<double> normal(0, scale);
  std::vector<double> rows(n * width);
  for (double& x : rows) x = normal(rng);
  return rows;
}

// The model behind one standard-scaling step (inputs x -> (x - 0.5) / 2).
ir::Model pipeline_of_width(ir::Model m, int32_t width) {
  ir::Step s;
  s.kind = ir::StepKind::StandardScale;
  s.inputs = width;
  s.offsets.assign(width, 0.5);
  s.scales.assign(width, 2);
  m.steps = {s};
  return m;
}

Model load(const ir::Model& m, const std::string& engine = "auto", const std::string& isa = "auto") {
  LoadOptions options;
  options.engine = engine;
  options.isa = isa;
  return Model::load_from_memory(formats::write_xylem_json(m), "network.json", options);
}

std::vector<double> predict(const Model& model, const std::vector<double>& rows, bool margin, int threads = 1) {
  const size_t n = rows.size() / model.num_features();
  std::vector<double> out(n * model.output_width(margin));
  PredictOptions options;
  options.margin = margin;
  options.threads = threads;
  model.predict(rows.data(), n, out.data(), options);
  return out;
}

// Every activation as a hidden layer, in both precisions, on every instruction set,
// for batch sizes on both sides of the BLAS threshold.
TEST(DenseEngine, WithinTheRoundingBoundOfTheReference) {
  std::mt19937_64 rng(5);
  const std::vector<Activation> all = {Activation::Identity, Activation::Relu,     Activation::LeakyRelu,
                                       Activation::Tanh,     Activation::Logistic, Activation::Softmax,
                                       Activation::Gelu};
  size_t checked = 0;
  for (ir::Precision p : {ir::Precision::Float32, ir::Precision::Float64})
    for (Activation act : all) {
      const ir::Model m = random_network(rng, p, {37, 64, 33, 5}, {act, act, Activation::Identity}, ir::Transform::Softmax);
      const Model reference = load(m, "reference");
      for (const std::string& isa : cpu_isas()) {
        const Model dense = load(m, "dense", isa);
        ASSERT_EQ(dense.engine().rfind("dense/", 0), 0u) << dense.engine();
        for (size_t n : {1, 7, 31, 32, 300}) {
          const std::vector<double> rows = random_rows(rng, n, 37);
          const std::vector<double> want = predict(reference, rows, true), got = predict(dense, rows, true);
          const std::vector<double> want_p = predict(reference, rows, false), got_p = predict(dense, rows, false);
          for (size_t r = 0; r < n; ++r) {
            const Bound b = margin_bound(m.network, std::vector<double>(rows.begin() + r * 37, rows.begin() + (r + 1) * 37));
            const double max_margin_error = *std::max_element(b.margins.begin(), b.margins.end());
            for (size_t o = 0; o < 5; ++o) {
              const size_t i = r * 5 + o;
              const double tol = 4 * b.margins[o] + 1e-300;
              ASSERT_LE(std::fabs(got[i] - want[i]), tol)
                  << to_string(p) << " " << ir::to_string(act) << " " << isa << " n=" << n << " row " << r << " output " << o;
              // softmax of the margins: |dp| <= 2 p max|dz|, and its own rounding
              const double tol_p = 4 * 2 * want_p[i] * max_margin_error + 16 * unit_roundoff(p) * want_p[i] + 1e-300;
              ASSERT_LE(std::fabs(got_p[i] - want_p[i]), tol_p)
                  << to_string(p) << " " << ir::to_string(act) << " " << isa << " n=" << n << " row " << r << " prob " << o;
              ++checked;
            }
          }
        }
      }
    }
  EXPECT_GT(checked, 10000u);
}

// The bound is tight enough to catch real errors: a bias off by 0.01 in one hidden
// unit, or weights kept in bfloat16 (8 significant bits), which is what a kernel that
// rounds its operands too early would compute.
TEST(DenseEngine, TheBoundCatchesAWrongNetwork) {
  std::mt19937_64 rng(7);
  ir::Model m = random_network(rng, ir::Precision::Float32, {20, 32, 3}, {Activation::Tanh, Activation::Identity},
                               ir::Transform::Identity);
  ir::Model biased = m, bf16 = m;
  biased.network.layers[0].bias[3] += 1e-2;
  for (ir::DenseLayer& l : bf16.network.layers)
    for (double& w : l.weights) {
      int e;
      const double f = std::frexp(w, &e);
      w = std::ldexp(std::nearbyint(f * 256) / 256, e);
    }
  const std::vector<double> rows = random_rows(rng, 100, 20);
  const std::vector<double> want = predict(load(m, "reference"), rows, true);
  for (const ir::Model* wrong : {&biased, &bf16}) {
    const std::vector<double> got = predict(load(*wrong, "dense"), rows, true);
    size_t caught = 0;
    for (size_t r = 0; r < 100; ++r) {
      const Bound b = margin_bound(m.network, std::vector<double>(rows.begin() + r * 20, rows.begin() + (r + 1) * 20));
      for (size_t o = 0; o < 3; ++o) caught += std::fabs(got[r * 3 + o] - want[r * 3 + o]) > 4 * b.margins[o];
    }
    EXPECT_GT(caught, 150u) << (wrong == &biased ? "bias" : "bfloat16");  // of 300 outputs
  }
}

// NaN inputs reach every output they touch, in every engine.
TEST(DenseEngine, NaNPropagates) {
  std::mt19937_64 rng(9);
  const ir::Model m = random_network(rng, ir::Precision::Float32, {8, 16, 2}, {Activation::Relu, Activation::Identity},
                                     ir::Transform::Identity);
  std::vector<double> rows = random_rows(rng, 40, 8);
  rows[3 * 8 + 5] = std::nan("");
  for (const std::string& isa : cpu_isas())
    for (size_t n : {size_t{4}, size_t{40}}) {
      std::vector<double> some(rows.begin(), rows.begin() + n * 8);
      const std::vector<double> got = predict(load(m, "dense", isa), some, true);
      EXPECT_TRUE(std::isnan(got[3 * 2]) && std::isnan(got[3 * 2 + 1])) << isa << " n=" << n;
      EXPECT_FALSE(std::isnan(got[2 * 2])) << isa;
    }
}

// Threads never change a row's bits: they split batches at multiples of the dense
// engine's 256-row blocks, so each row is computed in the same BLAS call as without
// threads. (Across batch sizes the last bits may differ: OpenBLAS picks its kernels
// by matrix size, as every BLAS-based predictor does.)
TEST(DenseEngine, ThreadsGiveTheSameBits) {
  std::mt19937_64 rng(11);
  for (ir::Precision p : {ir::Precision::Float32, ir::Precision::Float64}) {
    const ir::Model m = random_network(rng, p, {30, 64, 64, 4}, {Activation::Tanh, Activation::Relu, Activation::Identity},
                                       ir::Transform::Softmax);
    for (const ir::Model& model_ir : {m, pipeline_of_width(m, 30)}) {
      const Model model = load(model_ir);
      for (size_t n : {200, 1000, 3001}) {
        const std::vector<double> rows = random_rows(rng, n, 30);
        const std::vector<double> whole = predict(model, rows, false);
        EXPECT_EQ(predict(model, rows, false, 2), whole) << model.engine() << " n=" << n;
        EXPECT_EQ(predict(model, rows, false, 3), whole) << model.engine() << " n=" << n;
      }
    }
  }
}

// int8 layers: quantization and the int32 sums are exact and the dequantization is
// the reference's, operation for operation, so with relu (exact in any precision)
// the dense engine gives the reference's bits on every instruction set.
TEST(DenseEngine, Int8ReluNetworkMatchesTheReferenceBitForBit) {
  std::mt19937_64 rng(13);
  const ir::Model m = random_network(rng, ir::Precision::Float32, {100, 256, 70, 10},
                                     {Activation::Relu, Activation::Relu, Activation::Identity}, ir::Transform::Softmax);
  const std::vector<double> calibration = random_rows(rng, 200, 100);
  for (bool static_scales : {false, true}) {
    Int8Options options;
    options.static_input_scales = static_scales;
    const Model quantized = load(m).quantize_int8(calibration.data(), 200, options);
    // Reloaded from its text: what `xylem convert --quantize int8` leaves on disk. The
    // layers after relu keep their unsigned input range through the file.
    const std::string text = quantized.to_xylem_json();
    EXPECT_NE(text.find("\"unsigned_input\": true"), std::string::npos);
    EXPECT_EQ(Model::load_from_memory(text, "int8.json").to_xylem_json(), text);
    EXPECT_EQ(predict(Model::load_from_memory(text, "int8.json"), calibration, true), predict(quantized, calibration, true));
    LoadOptions ref_options;
    ref_options.engine = "reference";
    const Model reference = Model::load_from_memory(text, "int8.json", ref_options);
    std::vector<double> rows = random_rows(rng, 300, 100);
    rows[17] = std::nan("");  // NaN quantizes to 0 and leaves the row's scale alone
    for (size_t i = 0; i < 100; ++i) rows[5 * 100 + i] = 0;  // a row of zeros: scale 0
    for (const std::string& isa : cpu_isas()) {
      LoadOptions o;
      o.engine = "dense";
      o.isa = isa;
      const Model dense = Model::load_from_memory(text, "int8.json", o);
      EXPECT_NE(dense.engine().find("/int8-"), std::string::npos) << dense.engine();
      for (size_t n : {1, 5, 300}) {
        std::vector<double> some(rows.begin(), rows.begin() + n * 100);
        const std::vector<double> want = predict(reference, some, true), got = predict(dense, some, true);
        for (size_t i = 0; i < want.size(); ++i)
          ASSERT_TRUE(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i])))
              << dense.engine() << (static_scales ? " static" : " dynamic") << " n=" << n << " value " << i << ": "
              << got[i] << " vs " << want[i];
      }
    }
  }
}

// The accuracy cost of int8 on a network of trained-like scale, measured as the
// conversion reports it, is bounded: per-channel symmetric int8 keeps each weight
// within scale/2 = max|w|/254 and each activation within max|a|/254, so a layer's
// relative error is about 2/254 of its largest term; the classes barely move.
TEST(DenseEngine, Int8AccuracyCostIsReportedAndBounded) {
  std::mt19937_64 rng(17);
  const ir::Model m = random_network(rng, ir::Precision::Float32, {40, 128, 128, 6},
                                     {Activation::Relu, Activation::Tanh, Activation::Identity}, ir::Transform::Softmax);
  const std::vector<double> calibration = random_rows(rng, 2000, 40);
  const Model float_model = load(m);
  for (bool static_scales : {false, true}) {
    Int8Options options;
    options.static_input_scales = static_scales;
    Int8Report report;
    const Model quantized = float_model.quantize_int8(calibration.data(), 2000, options, &report);
    EXPECT_EQ(report.rows, 2000u);
    EXPECT_EQ(report.layers, 3);
    EXPECT_EQ(report.int8_bytes, 40u * 128 + 128 * 128 + 128 * 6 + (128 + 128 + 6) * 4);
    EXPECT_GT(report.max_abs_error, 0);
    EXPECT_LT(report.mean_abs_error, 0.01);
    EXPECT_LT(report.max_abs_error, 0.1);
    EXPECT_GE(report.same_class_share, 0.97);
    // The report is what predict() gives.
    const std::vector<double> a = predict(float_model, calibration, false), b = predict(quantized, calibration, false);
    double max_error = 0;
    for (size_t i = 0; i < a.size(); ++i) max_error = std::max(max_error, std::fabs(a[i] - b[i]));
    EXPECT_EQ(max_error, report.max_abs_error);
  }
  // Static scales need calibration rows; trees cannot be quantized.
  Int8Options static_options;
  static_options.static_input_scales = true;
  EXPECT_THROW(float_model.quantize_int8(nullptr, 0, static_options), Error);
  ir::Model trees = model_of({stump(ir::SplitKind::Less, 0.5, 1, 2)});
  EXPECT_THROW(load(trees).quantize_int8(nullptr, 0, {}), Error);
}

// A linear model quantizes as the one-layer network it is.
TEST(DenseEngine, LinearModelQuantizesToOneInt8Layer) {
  std::mt19937_64 rng(19);
  ir::Model m = f64_model({}, 50, 10);
  m.task = ir::Task::MulticlassClassification;
  m.output.transform = ir::Transform::Softmax;
  m.has_linear = true;
  m.linear.num_outputs = 10;
  m.linear.input_precision = ir::Precision::Float64;
  m.linear.skip_missing = false;
  std::normal_distribution<double> normal(0, 0.3);
  for (int i = 0; i < 500; ++i) m.linear.weights.push_back(normal(rng));
  for (int i = 0; i < 10; ++i) m.linear.bias.push_back(normal(rng));
  const std::vector<double> rows = random_rows(rng, 1000, 50);
  Int8Report report;
  const Model q = load(m).quantize_int8(rows.data(), 1000, {}, &report);
  EXPECT_EQ(report.layers, 1);
  EXPECT_GE(report.same_class_share, 0.97);
  EXPECT_EQ(q.summary().layers.size(), 1u);
}

// Float64 linear models (scikit-learn) sum in the reference's order below the BLAS
// threshold, so there they are bit-identical; with BLAS they stay within 1e-12 relative.
TEST(DenseEngine, Float64LinearModel) {
  std::mt19937_64 rng(23);
  ir::Model m = f64_model({}, 30, 3);
  m.task = ir::Task::MulticlassClassification;
  m.output.transform = ir::Transform::NormalizedSigmoid;
  m.has_linear = true;
  m.linear.num_outputs = 3;
  m.linear.input_precision = ir::Precision::Float64;
  m.linear.skip_missing = false;
  std::normal_distribution<double> normal(0, 1);
  for (int i = 0; i < 90; ++i) m.linear.weights.push_back(normal(rng));
  for (int i = 0; i < 3; ++i) m.linear.bias.push_back(normal(rng));
  const Model reference = load(m, "reference");
  for (const std::string& isa : cpu_isas()) {
    const Model dense = load(m, "dense", isa);
    const std::vector<double> few = random_rows(rng, 10, 30);
    EXPECT_EQ(predict(dense, few, true), predict(reference, few, true)) << isa;
    const std::vector<double> many = random_rows(rng, 500, 30);
    const std::vector<double> want = predict(reference, many, false), got = predict(dense, many, false);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_LE(std::fabs(got[i] - want[i]), 1e-12 * std::max(1.0, std::fabs(want[i]))) << isa << " " << i;
  }
}

// ---- preprocessing steps ----

ir::Step step(ir::StepKind kind, int32_t inputs) {
  ir::Step s;
  s.kind = kind;
  s.inputs = inputs;
  return s;
}

std::vector<double> apply(const ir::Step& s, std::vector<double> in) {
  std::vector<double> out(ir::step_outputs(s));
  reference::apply_step(s, in.data(), out.data());
  return out;
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] && std::signbit(a[i]) == std::signbit(b[i])) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
  return true;
}

TEST(PreprocessingSteps, EachKindFollowsScikitLearn) {
  const double nan = std::nan("");
  ir::Step standard = step(ir::StepKind::StandardScale, 3);
  standard.offsets = {1, 0, -2};
  standard.scales = {2, 1, 0.1};
  // (x - mean) / scale, a division (0.3 / 0.1 is not 0.3 * 10)
  standard.offsets[2] = 0;
  EXPECT_TRUE(same(apply(standard, {2, -0.0, 0.3}), {0.5, -0.0, 0.3 / 0.1}));
  EXPECT_NE(0.3 / 0.1, 0.3 * 10);
  EXPECT_TRUE(std::isnan(apply(standard, {nan, 0, 0})[0]));

  ir::Step minmax = step(ir::StepKind::MinMaxScale, 2);
  minmax.scales = {0.5, 2};
  minmax.offsets = {0.25, -1};
  EXPECT_TRUE(same(apply(minmax, {3, 1}), {1.75, 1}));
  minmax.clip = true;
  minmax.clip_min = 0;
  minmax.clip_max = 1;
  EXPECT_TRUE(same(apply(minmax, {3, -5}), {1, 0}));
  EXPECT_TRUE(std::isnan(apply(minmax, {nan, 0})[0]));

  ir::Step maxabs = step(ir::StepKind::MaxAbsScale, 2);
  maxabs.scales = {4, 3};
  EXPECT_TRUE(same(apply(maxabs, {-2, 1}), {-0.5, 1.0 / 3}));

  ir::Step impute = step(ir::StepKind::ImputeConstant, 3);
  impute.values = {7, -1, 0};
  EXPECT_TRUE(same(apply(impute, {nan, 2, nan}), {7, 2, 0}));

  ir::Step onehot = step(ir::StepKind::OneHot, 4);
  onehot.columns = {1, 3};
  onehot.categories = {{0, 1, 2}, {-1.5, 10}};
  // in place: x0, then 3 indicators of x1, x2, then 2 indicators of x3
  EXPECT_TRUE(same(apply(onehot, {5, 1, 6, 10}), {5, 0, 1, 0, 6, 0, 1}));
  EXPECT_TRUE(same(apply(onehot, {5, 7, 6, -1.5}), {5, 0, 0, 0, 6, 1, 0}));  // unseen category: zeros
  EXPECT_TRUE(same(apply(onehot, {5, nan, 6, 1e300}), {5, 0, 0, 0, 6, 0, 0}));  // NaN: zeros
  EXPECT_EQ(ir::step_outputs(onehot), 7);

  ir::Step select = step(ir::StepKind::SelectColumns, 3);
  select.columns = {2, 0, 2};
  EXPECT_TRUE(same(apply(select, {1, 2, 3}), {3, 1, 3}));
}

ir::Model pipeline_of(ir::Model estimator) {
  ir::Step impute = step(ir::StepKind::ImputeConstant, 3);
  impute.values = {0.5, -1, 2};
  ir::Step onehot = step(ir::StepKind::OneHot, 3);
  onehot.columns = {2};
  onehot.categories = {{0, 1, 2}};
  ir::Step standard = step(ir::StepKind::StandardScale, 5);
  standard.offsets = {0.1, 0.2, 0, 0, 0};
  standard.scales = {2, 3, 1, 1, 1};
  ir::Step select = step(ir::StepKind::SelectColumns, 5);
  select.columns = {4, 0, 1, 2, 3};
  estimator.steps = {impute, onehot, standard, select};
  estimator.input_names = {"a", "b", "c"};
  return estimator;
}

// Trees behind steps: the tree engines stay bit-exact (the steps are one float64
// implementation), and columns are matched against the input names.
TEST(PreprocessingSteps, PipelineEnginesMatchTheReferenceBitForBit) {
  ir::Tree t = stump(ir::SplitKind::Less, 0.25, 1, 2, true);
  t.split_features = {1, 0, 0};
  ir::Tree u = stump(ir::SplitKind::Less, 0.5, 10, 20);
  u.split_features = {0, 0, 0};
  ir::Model m = pipeline_of(model_of({t, u}, 5));
  std::mt19937_64 rng(29);
  std::vector<double> rows = random_rows(rng, 500, 3, 1);
  for (size_t r = 0; r < 500; ++r) {
    rows[r * 3 + 2] = static_cast<double>(r % 5);  // categories 0..2, unseen 3 and 4
    if (r % 7 == 0) rows[r * 3] = std::nan("");
    if (r % 11 == 0) rows[r * 3 + 2] = std::nan("");
  }
  const Model reference = load(m, "reference");
  EXPECT_EQ(reference.num_features(), 3);
  EXPECT_EQ(reference.feature_names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(reference.match_columns({"c", "x", "a", "b"}), (std::vector<size_t>{2, 3, 0}));
  const std::vector<double> want = predict(reference, rows, false);
  for (const std::string& engine : {"auto", "tree_nodes", "tree_array"}) {
    const Model fast = load(m, engine);
    EXPECT_EQ(fast.engine().rfind("steps+", 0), 0u) << fast.engine();
    EXPECT_EQ(predict(fast, rows, false), want) << fast.engine();
    EXPECT_EQ(predict(fast, rows, false, 2), want) << fast.engine();
  }
  // One row by hand: a = NaN -> 0.5; c = 1 -> indicators (0, 1, 0); a' = (0.5 - 0.1) / 2 = 0.2;
  // estimator columns [c=2 indicator, a', b', c=0, c=1] = [0, 0.2, 0, 0, 1].
  const std::vector<double> one = {std::nan(""), 0.2, 1};
  const std::vector<double> got = predict(reference, one, false);
  // t: feature 1 = 0.2 < 0.25 -> left leaf 1; u: feature 0 = 0 < 0.5 -> left leaf 10
  EXPECT_EQ(got[0], 11);
}

TEST(PreprocessingSteps, RoundTripIsBitIdentical) {
  std::mt19937_64 rng(31);
  ir::Model net = random_network(rng, ir::Precision::Float64, {5, 8, 2}, {Activation::Gelu, Activation::Identity},
                                 ir::Transform::Softmax);
  ir::Model m = pipeline_of(net);
  m.steps[2].kind = ir::StepKind::MinMaxScale;
  m.steps[2].clip = true;
  m.steps[2].clip_min = -1;
  m.steps[2].clip_max = 1.5;
  const std::string text = formats::write_xylem_json(m);
  const Model a = Model::load_from_memory(text, "p.json");
  EXPECT_EQ(a.to_xylem_json(), text);
  EXPECT_NE(text.find("\"version\": 4"), std::string::npos);
  EXPECT_NE(text.find("\"clip\": [-1, 1.5]"), std::string::npos);
}

}  // namespace
}  // namespace xylem::testing

namespace xylem::testing {
namespace {

// int8 on the trained scikit-learn MLPs of models/sklearn, calibrated on their 200
// rows drawn like the training data (rows 0-199 of input.csv; the rest are outliers
// by design): the accuracy cost the conversion reports stays within the bounds a
// user can rely on. Measured: classes unchanged on 97.0-99.5% of rows, mean |error| of
// the probabilities 0.002-0.012.
TEST(DenseEngine, Int8CostOnTrainedMlps) {
  size_t checked = 0;
  for (const char* name : {"mlp_classifier_relu", "mlp_classifier_tanh", "mlp_classifier_logistic",
                           "mlp_classifier_identity", "mlp_classifier_binary_relu", "pipeline_scaler_mlp_classifier"}) {
    const std::string dir = models_dir() + "/sklearn/1.9.1/" + name;
    const Model model = Model::load(dir + "/model.json");
    CsvTable table = read_csv_file(dir + "/input.csv");
    std::vector<double> rows = model.rows_from_table(table);
    rows.resize(200 * static_cast<size_t>(model.num_features()));
    for (bool static_scales : {false, true}) {
      Int8Options options;
      options.static_input_scales = static_scales;
      Int8Report r;
      const Model q = model.quantize_int8(rows.data(), 200, options, &r);
      EXPECT_GE(r.same_class_share, 0.96) << name << (static_scales ? " static" : " dynamic");
      EXPECT_LE(r.mean_abs_error, 0.02) << name << (static_scales ? " static" : " dynamic");
      EXPECT_NE(q.engine().find("/int8-"), std::string::npos);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 12u);
}

}  // namespace
}  // namespace xylem::testing
