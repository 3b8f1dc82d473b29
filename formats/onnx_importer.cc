// The graph walk: from the one graph input to the chosen output, each node on the path
// becomes a preprocessing step, a dense layer, the estimator, or an output stage.
// Nodes that only feed a label output (Cast of the label, ArgMax, ArrayFeatureExtractor)
// are not on the path: xylem predicts the probabilities, and the label is their argmax.
#include "formats/onnx_importer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "formats/onnx_graph.h"
#include "formats/onnx_trees.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

using onnx_io::Constant;
using onnx_io::Graph;
using onnx_io::Node;

bool is_ml(const Node& n) { return n.domain() == "ai.onnx.ml"; }
bool is_tree_ensemble(const Node& n) {
  return is_ml(n) && (n.op() == "TreeEnsembleRegressor" || n.op() == "TreeEnsembleClassifier" || n.op() == "TreeEnsemble");
}
bool is_classifier(const Node& n) {
  return is_ml(n) && (n.op() == "TreeEnsembleClassifier" || n.op() == "LinearClassifier");
}

// Tensors that hold class labels, or are computed from them: a classifier's first
// output, an ArgMax, and whatever consumes those.
std::set<std::string> label_tensors(const Graph& g) {
  std::set<std::string> labels;
  for (const Node& n : g.nodes()) {
    bool label = n.op() == "ArgMax";
    for (const std::string& in : n.inputs()) label |= labels.count(in) > 0;
    if (label) labels.insert(n.outputs().begin(), n.outputs().end());
    else if (is_classifier(n) && !n.outputs().empty()) labels.insert(n.outputs()[0]);
  }
  return labels;
}

// The nodes the output depends on, in graph order.
std::vector<int> cone(const Graph& g, const std::string& output) {
  std::set<int> seen;
  std::vector<std::string> stack{output};
  while (!stack.empty()) {
    const std::string t = stack.back();
    stack.pop_back();
    const int p = g.producer(t);
    if (p < 0 || seen.count(p)) continue;
    seen.insert(p);
    for (const std::string& in : g.nodes()[p].inputs())
      if (!in.empty()) stack.push_back(in);
  }
  return {seen.begin(), seen.end()};
}

std::string list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "'" : ", '") + n + "'";
  return s;
}

// A per-column constant of a row operation: one value (broadcast) or one per column.
std::vector<double> per_column(const Node& n, const std::vector<double>& v, int32_t width, const std::string& what) {
  if (v.size() == 1) return std::vector<double>(static_cast<size_t>(width), v[0]);
  if (v.size() != static_cast<size_t>(width))
    n.fail(what + " has " + std::to_string(v.size()) + " values for " + std::to_string(width) + " columns");
  return v;
}

class Walk {
 public:
  explicit Walk(const Graph& g) : g_(g) {}

  ir::Model run() {
    const auto& inputs = g_.inputs();
    if (inputs.size() != 1)
      throw Error(g_.file() + ": the graph has " + std::to_string(inputs.size()) + " inputs (" +
                  list([&] { std::vector<std::string> v; for (auto& i : inputs) v.push_back(i.name); return v; }()) +
                  "); xylem reads graphs with one input, a [rows, features] tensor");
    const onnx_io::GraphInput& in = inputs[0];
    if (in.elem_type != onnx_io::kFloat && in.elem_type != onnx_io::kDouble)
      throw Error(g_.file() + ": graph input '" + in.name + "' is not a float or double tensor (element type " +
                  std::to_string(in.elem_type) + ")");
    if (in.dims.size() != 2 || in.dims[1] <= 0)
      throw Error(g_.file() + ": graph input '" + in.name + "' must have the shape [rows, features] with a known number of "
                  "features");
    if (in.dims[1] > ir::kMaxFeatures) throw Error(g_.file() + ": graph input '" + in.name + "' is too wide");
    width_ = static_cast<int32_t>(in.dims[1]);  // no operator xylem follows changes it
    precision_ = in.elem_type == onnx_io::kFloat ? ir::Precision::Float32 : ir::Precision::Float64;
    cur_ = in.name;

    const std::string output = choose_output();
    for (int k : cone(g_, output)) visit(g_.nodes()[k]);
    if (cur_ != output)
      throw Error(g_.file() + ": output '" + output + "' is not computed from the row by a chain of operators xylem follows");
    return finish();
  }

 private:
  std::string choose_output() {
    const std::set<std::string> labels = label_tensors(g_);
    std::vector<std::string> candidates;
    for (const std::string& o : g_.outputs())
      if (!labels.count(o)) candidates.push_back(o);
    if (candidates.empty())
      throw Error(g_.file() + ": every graph output (" + list(g_.outputs()) +
                  ") is a class label; xylem needs the scores or probabilities");
    return candidates.front();  // skl2onnx and onnxmltools put one score output beside the label
  }

  // The node's row input: its one input that is not a constant.
  const std::string& row_input(const Node& n) {
    const std::string* row = nullptr;
    for (const std::string& in : n.inputs()) {
      if (in.empty() || g_.constant(in)) continue;
      if (row) n.fail("takes two computed inputs ('" + *row + "' and '" + in + "'); xylem follows chains of operators");
      row = &in;
    }
    if (!row) n.fail("has no computed input");
    if (*row != cur_) n.fail("reads '" + *row + "', which is not the row xylem follows ('" + cur_ + "')");
    return *row;
  }

  // A constant the operator computes with: never a string tensor (those hold labels).
  const Constant* numeric_constant(const Node& n, const std::string& name) {
    const Constant* c = g_.constant(name);
    if (c && c->data_type == onnx_io::kString) n.fail("reads the string tensor '" + name + "' as numbers");
    return c;
  }

  const Constant& constant_input(const Node& n) {
    for (const std::string& in : n.inputs())
      if (const Constant* c = numeric_constant(n, in)) return *c;
    n.fail("needs a constant operand");
  }

  void add_step(ir::Step s) {
    s.inputs = width_;
    s.precision = ir::Precision::Float32;  // ORT computes these operators in float32
    steps_.push_back(std::move(s));
    precision_ = ir::Precision::Float32;
  }

  // The classifier's labels, one per probability column; ZipMap's keys are the same.
  void set_labels(const Node& n, const std::vector<std::string>& labels, bool numbers) {
    if (labels.empty()) return;
    if (labels.size() != static_cast<size_t>(ir::prediction_width(model_)))
      n.fail("has " + std::to_string(labels.size()) + " class labels for " +
             std::to_string(ir::prediction_width(model_)) + " probability columns");
    model_.class_labels = labels;
    model_.class_labels_are_numbers = numbers;
  }

  void need_rows(const Node& n) {
    if (estimator_ || !layers_.empty()) n.fail("as preprocessing after the estimator or a dense layer is not supported");
  }

  void visit(const Node& n) {
    const std::string& op = n.op();
    if (!n.domain().empty() && n.domain() != "ai.onnx" && n.domain() != "ai.onnx.ml")
      n.fail("operator domain '" + n.domain() + "' is not supported");
    if (op == "Constant") return;
    if (op == "Concat") return concat(n);
    if (op == "Sub" && g_.constant(n.inputs().at(0))) return complement(n);
    row_input(n);
    if (op == "ZipMap" && is_ml(n)) {
      zipmap_ = &n;
      return pass(n);
    }
    if (op == "Identity" || op == "Dropout") return pass(n);
    if (op == "Flatten") {
      if (n.i("axis", 1) != 1) n.fail("axis", "only axis 1 keeps rows as rows");
      return pass(n);
    }
    if (op == "Reshape") return reshape(n);
    if (op == "Cast") return cast(n);
    if (is_ml(n) && op == "Scaler") return scaler(n);
    if (is_ml(n) && op == "Imputer") return imputer(n);
    if (is_ml(n) && op == "Normalizer") return normalizer(n);
    if (op == "Mul" || op == "Add" || op == "Sub" || op == "Div") return arithmetic(n);
    if (op == "Clip") return clip(n);
    if (op == "MatMul" || op == "Gemm") return dense(n);
    if (op == "Relu" || op == "LeakyRelu" || op == "Tanh" || op == "Sigmoid" || op == "Softmax" || op == "Gelu")
      return activation(n);
    if (is_tree_ensemble(n)) return trees(n);
    if (is_ml(n) && (op == "LinearRegressor" || op == "LinearClassifier")) return linear(n);
    n.fail("operator " + (n.domain().empty() ? "" : n.domain() + ".") + op +
           " is not supported (xylem reads tree ensembles, linear models, dense networks and the Scaler, Imputer, "
           "Normalizer, Cast, Mul/Add/Sub/Div, ZipMap and reshaping operators around them)");
  }

  void pass(const Node& n) { cur_ = n.outputs().at(0); }

  void reshape(const Node& n) {
    const Constant* shape = n.inputs().size() > 1 ? numeric_constant(n, n.inputs()[1]) : nullptr;
    if (!shape) n.fail("needs a constant shape");
    const int64_t columns = current_width();
    const auto& v = shape->values;
    const bool keeps = (v.size() == 2 && (v[0] == -1 || v[0] == 0) && (v[1] == columns || (v[1] == -1 && v[0] != -1))) ||
                       (v.size() == 1 && v[0] == -1 && columns == 1);
    if (!keeps) n.fail("a reshape that changes the rows' width (" + std::to_string(columns) + " columns) is not supported");
    pass(n);
  }

  int64_t current_width() const {
    if (estimator_) return ir::prediction_width(model_);
    if (!layers_.empty()) return layers_.back().outputs;
    return width_;
  }

  void cast(const Node& n) {
    const int64_t to = n.i("to");
    if (to == onnx_io::kFloat) {
      precision_ = ir::Precision::Float32;
    } else if (to == onnx_io::kDouble) {
      if (precision_ == ir::Precision::Float32 && !estimator_) n.fail("to", "widening float rows to double is not supported");
    } else {
      n.fail("to", "cast to element type " + std::to_string(to) + " is not supported (float or double only)");
    }
    if (estimator_ && to != onnx_io::kFloat) n.fail("to", "the estimator's outputs are cast to a non-float type");
    pass(n);
  }

  void scaler(const Node& n) {
    need_rows(n);
    ir::Step s;
    s.kind = ir::StepKind::ShiftScale;
    std::vector<double> offset = n.floats("offset"), scale = n.floats("scale");
    s.offsets = offset.empty() ? std::vector<double>(width_, 0.0) : per_column(n, offset, width_, "offset");
    s.scales = scale.empty() ? std::vector<double>(width_, 1.0) : per_column(n, scale, width_, "scale");
    add_step(std::move(s));
    pass(n);
    last_step_output_ = cur_;
  }

  void imputer(const Node& n) {
    need_rows(n);
    if (!n.has("replaced_value_float") || !std::isnan(n.f("replaced_value_float")))
      n.fail("replaced_value_float", "only NaN can be replaced (the attribute is absent or not NaN)");
    std::vector<double> values = n.floats("imputed_value_floats");
    if (values.empty()) n.fail("imputed_value_floats", "missing (integer imputation is not supported)");
    ir::Step s;
    s.kind = ir::StepKind::ImputeConstant;
    s.values = per_column(n, values, width_, "imputed_value_floats");
    add_step(std::move(s));
    pass(n);
  }

  void normalizer(const Node& n) {
    const std::string norm = n.s("norm", std::string("MAX"));
    if (norm != "MAX" && norm != "L1" && norm != "L2") n.fail("norm", "unknown norm \"" + norm + "\"");
    if (estimator_) return normalize_outputs(n, norm);
    need_rows(n);
    ir::Step s;
    s.kind = ir::StepKind::Normalize;
    s.norm = norm == "L1" ? ir::Norm::L1 : norm == "L2" ? ir::Norm::L2 : ir::Norm::Max;
    add_step(std::move(s));
    pass(n);
  }

  // L1 after a classifier (skl2onnx's LogisticRegression): one-vs-rest sigmoids become
  // normalized; probabilities that already sum to 1 stay as they are (ORT's division
  // by their float sum moves them by an ulp at most).
  void normalize_outputs(const Node& n, const std::string& norm) {
    ir::Transform& t = model_.output.transform;
    if (norm == "L1" && t == ir::Transform::Sigmoid && model_.num_outputs > 1) t = ir::Transform::NormalizedSigmoid;
    else if (!(norm == "L1" && (t == ir::Transform::Softmax || t == ir::Transform::SigmoidPair ||
                                t == ir::Transform::NormalizedSigmoid)))
      n.fail("norm", "a " + norm + " Normalizer after the estimator's " + ir::to_string(t) + " outputs is not supported");
    pass(n);
  }

  // Clip (MinMaxScaler(clip=True): Mul, Add, Clip): bounds from inputs 1 and 2 (opset 11+)
  // or the min/max attributes (opset 6), either one may be absent. It becomes the clamp of
  // the min-max step it follows, or a clamp of its own, computed in float32 as ORT does.
  void clip(const Node& n) {
    need_rows(n);
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    auto bound = [&](size_t k, const char* attr, double& into) {
      if (n.inputs().size() > k && !n.inputs()[k].empty()) {
        const Constant* c = numeric_constant(n, n.inputs()[k]);
        if (!c) n.fail("its bound '" + n.inputs()[k] + "' is not a constant");
        if (c->values.size() != 1) n.fail("its bound '" + n.inputs()[k] + "' is not one value");
        into = c->values[0];
      } else if (n.has(attr)) {
        into = n.f(attr);
      }
      if (std::isnan(into)) n.fail(std::string("its ") + attr + " bound is NaN");
    };
    bound(1, "min", lo);
    bound(2, "max", hi);
    if (lo > hi) n.fail("its min bound is above its max bound");
    const bool after_min_max = !steps_.empty() && steps_.back().kind == ir::StepKind::MinMaxScale &&
                               !steps_.back().clip && last_step_output_ == cur_;
    if (!after_min_max) {
      ir::Step s;
      s.kind = ir::StepKind::MinMaxScale;
      s.scales.assign(width_, 1.0);
      s.offsets.assign(width_, 0.0);
      add_step(std::move(s));
    }
    ir::Step& s = steps_.back();
    s.clip = true;
    s.clip_min = static_cast<float>(lo);
    s.clip_max = static_cast<float>(hi);
    pass(n);
    last_step_output_ = cur_;
  }

  void arithmetic(const Node& n) {
    const std::string& op = n.op();
    const Constant& c = constant_input(n);
    if (estimator_ || (!layers_.empty() && !pending_bias_)) {  // after the model: only x * 1, x / 1, x + 0, x - 0
      const double neutral = op == "Mul" || op == "Div" ? 1.0 : 0.0;
      if (std::all_of(c.values.begin(), c.values.end(), [&](double v) { return v == neutral; })) return pass(n);
      n.fail("arithmetic on the model's outputs is not supported (only the no-ops x * 1, x / 1, x + 0, x - 0)");
    }
    if (!layers_.empty() && op == "Add" && pending_bias_) {  // MatMul + Add: the layer's bias
      ir::DenseLayer& l = layers_.back();
      l.bias = per_column(n, c.values, l.outputs, "the bias");
      pending_bias_ = false;
      return pass(n);
    }
    need_rows(n);
    const std::vector<double> v = per_column(n, c.values, width_, "the constant");
    ir::Step s;
    if (op == "Mul") {
      s.kind = ir::StepKind::MinMaxScale;
      s.scales = v;
      s.offsets.assign(width_, 0.0);
      last_mul_output_ = n.outputs().at(0);
    } else if (op == "Add") {
      if (!steps_.empty() && last_mul_output_ == cur_) {  // Mul then Add: one x * s + o
        steps_.back().offsets = v;
        last_mul_output_.clear();
        pass(n);
        last_step_output_ = cur_;
        return;
      }
      s.kind = ir::StepKind::MinMaxScale;
      s.scales.assign(width_, 1.0);
      s.offsets = v;
    } else if (op == "Sub") {
      s.kind = ir::StepKind::ShiftScale;
      s.offsets = v;
      s.scales.assign(width_, 1.0);
    } else {
      s.kind = ir::StepKind::MaxAbsScale;
      s.scales = v;
    }
    add_step(std::move(s));
    pass(n);
    last_step_output_ = cur_;
  }

  void dense(const Node& n) {
    if (estimator_) n.fail("a dense layer after the estimator is not supported");
    if (pending_bias_) pending_bias_ = false;  // the previous MatMul had no bias
    const int32_t in = layers_.empty() ? width_ : layers_.back().outputs;
    if (layers_.empty()) network_precision_ = precision_;
    if (n.inputs().size() < 2) n.fail("needs a weight matrix");
    const Constant* w = numeric_constant(n, n.inputs()[1]);
    if (!w) n.fail("the weight matrix '" + n.inputs()[1] + "' is not a constant");
    if (w->dims.size() != 2) n.fail("the weight matrix is not 2-D");
    const bool trans_b = n.op() == "Gemm" && n.i("transB", 0) != 0;
    if (n.op() == "Gemm") {
      if (n.i("transA", 0) != 0) n.fail("transA", "transposed rows are not supported");
      if (n.f("alpha", 1.0) != 1.0 || n.f("beta", 1.0) != 1.0) n.fail("alpha and beta other than 1 are not supported");
    }
    const int64_t rows = trans_b ? w->dims[1] : w->dims[0], cols = trans_b ? w->dims[0] : w->dims[1];
    if (rows != in) n.fail("the weight matrix has " + std::to_string(rows) + " inputs but the rows have " + std::to_string(in));
    ir::DenseLayer l;
    l.inputs = in;
    l.outputs = static_cast<int32_t>(cols);
    l.weights.resize(static_cast<size_t>(rows * cols));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t o = 0; o < cols; ++o)
        l.weights[static_cast<size_t>(i * cols + o)] = trans_b ? w->values[static_cast<size_t>(o * rows + i)]
                                                               : w->values[static_cast<size_t>(i * cols + o)];
    l.bias.assign(static_cast<size_t>(cols), 0.0);
    if (n.op() == "Gemm" && n.inputs().size() > 2 && !n.inputs()[2].empty()) {
      const Constant* c = numeric_constant(n, n.inputs()[2]);
      if (!c) n.fail("the bias is not a constant");
      l.bias = per_column(n, c->values, l.outputs, "the bias");
    } else if (n.op() == "MatMul") {
      pending_bias_ = true;
    }
    layers_.push_back(std::move(l));
    pass(n);
  }

  void activation(const Node& n) {
    if (layers_.empty() || estimator_) n.fail("an activation that does not follow a dense layer is not supported");
    ir::DenseLayer& l = layers_.back();
    if (l.activation != ir::Activation::Identity) n.fail("two activations in a row are not supported");
    pending_bias_ = false;
    const std::string& op = n.op();
    if (op == "Relu") l.activation = ir::Activation::Relu;
    else if (op == "Tanh") l.activation = ir::Activation::Tanh;
    else if (op == "Sigmoid") l.activation = ir::Activation::Logistic;
    else if (op == "Gelu") {
      if (n.s("approximate", std::string("none")) != "none") n.fail("approximate", "only the exact (erf) Gelu is supported");
      l.activation = ir::Activation::Gelu;
    } else if (op == "LeakyRelu") {
      l.activation = ir::Activation::LeakyRelu;
      l.alpha = n.f("alpha", 0.01);
    } else {  // Softmax over the row
      const int64_t axis = n.i("axis", g_.opset("") >= 13 ? -1 : 1);
      if (axis != -1 && axis != 1) n.fail("axis", "softmax over axis " + std::to_string(axis) + " is not over the row");
      l.activation = ir::Activation::Softmax;
    }
    pass(n);
  }

  // skl2onnx's binary MLP: p = Sigmoid(...), then Concat(Sub(1, p), p).
  void complement(const Node& n) {
    const Constant& one = *numeric_constant(n, n.inputs()[0]);
    if (one.values.size() != 1 || one.values[0] != 1.0) n.fail("only 1 - x is supported as a constant minus the row");
    if (n.inputs().size() != 2 || n.inputs()[1] != cur_ || current_width() != 1)
      n.fail("1 - x of something other than the one output xylem follows");
    complement_ = n.outputs().at(0);
  }

  void concat(const Node& n) {
    const int64_t axis = n.i("axis");
    if (n.inputs().size() != 2 || n.inputs()[0] != complement_ || n.inputs()[1] != cur_ || complement_.empty() ||
        (axis != 1 && axis != -1))
      n.fail("only Concat(1 - p, p) (a binary classifier's two probabilities) is supported");
    pair_ = true;
    pass(n);
  }

  void trees(const Node& n) {
    if (estimator_ || !layers_.empty()) n.fail("a second estimator is not supported");
    const bool opset5 = n.op() == "TreeEnsemble";
    const ir::Precision in = precision_;
    onnx_io::TreeImport t = onnx_io::import_tree_ensemble(n, width_, in, opset5, model_);
    set_labels(n, t.labels, !n.ints("classlabels_int64s").empty());
    estimator_ = true;
    model_.source.objective = n.op();
    cur_ = n.outputs().at(n.op() == "TreeEnsembleClassifier" ? 1 : 0);
  }

  void linear(const Node& n) {
    if (estimator_ || !layers_.empty()) n.fail("a second estimator is not supported");
    const bool classifier = n.op() == "LinearClassifier";
    const std::vector<double> coef = n.floats("coefficients"), intercepts = n.floats("intercepts");
    const std::string post = n.s("post_transform", std::string("NONE"));
    int64_t outputs = classifier ? static_cast<int64_t>(intercepts.size()) : n.i("targets", 1);
    if (outputs <= 0) n.fail(classifier ? "intercepts" : "targets", "the model has no outputs");
    if (coef.size() != static_cast<size_t>(outputs) * static_cast<size_t>(width_))
      n.fail("coefficients", "has " + std::to_string(coef.size()) + " values, expected " + std::to_string(outputs) + " x " +
                                 std::to_string(width_) + " (outputs x features)");
    if (!intercepts.empty() && intercepts.size() != static_cast<size_t>(outputs))
      n.fail("intercepts", "has " + std::to_string(intercepts.size()) + " values for " + std::to_string(outputs) + " outputs");
    const int32_t k_out = static_cast<int32_t>(outputs);
    ir::LinearModel& lm = model_.linear;
    model_.has_linear = true;
    lm.num_outputs = k_out;
    lm.weights.resize(coef.size());
    for (int32_t k = 0; k < k_out; ++k)
      for (int32_t f = 0; f < width_; ++f)
        lm.weights[static_cast<size_t>(f) * k_out + k] = coef[static_cast<size_t>(k) * width_ + f];
    lm.bias = intercepts.empty() ? std::vector<double>(k_out, 0.0) : intercepts;
    lm.input_precision = ir::Precision::Float32;  // ORT casts every input type to float
    lm.skip_missing = false;
    model_.num_features = width_;
    model_.feature_types.assign(width_, ir::FeatureType::Numeric);
    model_.num_outputs = k_out;
    ir::OutputStage& o = model_.output;
    o.accumulation = ir::Precision::Float32;
    o.transform_precision = ir::Precision::Float32;
    o.base_scores.assign(k_out, 0.0);
    const size_t labels = std::max(n.ints("classlabels_ints").size(), n.strings("classlabels_strings").size());
    auto refuse = [&] { n.fail("post_transform", post + " with " + std::to_string(k_out) + " score(s) is not supported"); };
    if (post == "NONE") o.transform = ir::Transform::Identity;
    else if (post == "LOGISTIC") o.transform = ir::Transform::Sigmoid;
    else if (post == "SOFTMAX") o.transform = ir::Transform::Softmax;
    else if (post == "SOFTMAX_ZERO") o.transform = ir::Transform::SoftmaxZero;
    else if (post == "PROBIT") o.transform = ir::Transform::Probit;
    else refuse();
    if (classifier && k_out == 1 && labels == 2) {  // ORT adds the second class: [1 - p, p]
      if (o.transform == ir::Transform::Identity) o.transform = ir::Transform::ComplementPair;
      else if (o.transform == ir::Transform::Sigmoid) o.transform = ir::Transform::SigmoidPair;
      else refuse();
    } else if (k_out == 1 && o.transform != ir::Transform::Identity && o.transform != ir::Transform::Probit) {
      o.transform = ir::Transform::Identity;  // one score: ORT applies only PROBIT
    } else if (classifier && k_out == 1) {
      refuse();
    }
    model_.task = !classifier ? (k_out == 1 ? ir::Task::Regression : ir::Task::MultiTargetRegression)
                  : k_out <= 2 && labels == 2 ? ir::Task::BinaryClassification
                                              : ir::Task::MulticlassClassification;
    model_.source.objective = n.op();
    estimator_ = true;
    cur_ = n.outputs().at(classifier ? 1 : 0);
    if (classifier) {
      std::vector<std::string> text;
      for (int64_t l : n.ints("classlabels_ints")) text.push_back(std::to_string(l));
      for (const std::string& l : n.strings("classlabels_strings")) text.push_back(l);
      set_labels(n, text, !n.ints("classlabels_ints").empty());
    }
  }

  ir::Model finish() {
    if (!estimator_ && layers_.empty()) throw Error(g_.file() + ": the graph has no estimator xylem reads");
    if (!layers_.empty()) {
      model_.has_network = true;
      model_.network.layers = layers_;
      model_.network.precision = network_precision_;
      model_.num_features = width_;
      model_.feature_types.assign(width_, ir::FeatureType::Numeric);
      model_.num_outputs = layers_.back().outputs;
      ir::OutputStage& o = model_.output;
      o.accumulation = network_precision_;
      o.transform_precision = network_precision_;
      o.base_scores.assign(model_.num_outputs, 0.0);
      o.transform = ir::Transform::Identity;
      const ir::Activation last = layers_.back().activation;
      if (pair_) {
        if (last != ir::Activation::Logistic || model_.num_outputs != 1)
          throw Error(g_.file() + ": Concat(1 - p, p) of something other than one logistic output is not supported");
        o.transform = ir::Transform::ComplementPair;
      }
      model_.task = pair_ ? ir::Task::BinaryClassification
                    : last == ir::Activation::Softmax ? ir::Task::MulticlassClassification
                                                      : (model_.num_outputs == 1 ? ir::Task::Regression
                                                                                 : ir::Task::MultiTargetRegression);
      model_.source.objective = "network";
    } else if (pair_) {
      throw Error(g_.file() + ": Concat(1 - p, p) after an estimator is not supported");
    } else if (model_.has_linear) {
      // ORT's linear operators are a float32 GEMM: a one-layer float32 network, which
      // the dense engine runs (the IR's linear part is for float64 and gblinear).
      ir::DenseLayer l;
      l.inputs = model_.num_features;
      l.outputs = model_.num_outputs;
      l.weights = std::move(model_.linear.weights);
      l.bias = std::move(model_.linear.bias);
      model_.has_linear = false;
      model_.linear = ir::LinearModel{};
      model_.has_network = true;
      model_.network.layers = {std::move(l)};
      model_.network.precision = ir::Precision::Float32;
    }
    if (zipmap_ && model_.class_labels.empty()) {  // a network classifier's labels are ZipMap's keys
      std::vector<std::string> text;
      for (int64_t l : zipmap_->ints("classlabels_int64s")) text.push_back(std::to_string(l));
      for (const std::string& l : zipmap_->strings("classlabels_strings")) text.push_back(l);
      set_labels(*zipmap_, text, !zipmap_->ints("classlabels_int64s").empty());
    }
    model_.steps = steps_;
    model_.source.library = "onnx";
    model_.source.version = g_.producer_description();
    model_.source.format = "onnx";
    return std::move(model_);
  }

  const Graph& g_;
  std::string cur_, complement_, last_mul_output_;
  std::string last_step_output_;  // the tensor the last preprocessing step computes
  int32_t width_ = 0;
  ir::Precision precision_ = ir::Precision::Float32, network_precision_ = ir::Precision::Float32;
  std::vector<ir::Step> steps_;
  std::vector<ir::DenseLayer> layers_;
  bool pending_bias_ = false, estimator_ = false, pair_ = false;
  const Node* zipmap_ = nullptr;
  ir::Model model_;
};

}  // namespace

bool is_onnx(std::string_view bytes) { return onnx_io::looks_like_onnx(bytes); }

ir::Model import_onnx(std::string_view bytes, const std::string& file) {
  Graph g(bytes, file);
  return Walk(g).run();
}

}  // namespace xylem::formats
