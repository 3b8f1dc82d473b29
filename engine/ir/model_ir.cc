#include "engine/ir/model_ir.h"

namespace xylem::ir {

int32_t prediction_width(const Model& model) {
  if (model.output.transform == Transform::ArgMaxClass) return 1;
  if (model.output.transform == Transform::SigmoidPair || model.output.transform == Transform::NegatedPair ||
      model.output.transform == Transform::ComplementPair)
    return 2;
  return model.num_outputs;
}

int32_t step_outputs(const Step& step) {
  switch (step.kind) {
    case StepKind::OneHot: {
      int32_t width = step.inputs - static_cast<int32_t>(step.columns.size());
      for (const auto& categories : step.categories) width += static_cast<int32_t>(categories.size());
      return width;
    }
    case StepKind::SelectColumns: return static_cast<int32_t>(step.columns.size());
    default: return step.inputs;
  }
}

int32_t input_width(const Model& model) { return model.steps.empty() ? model.num_features : model.steps.front().inputs; }

const std::vector<std::string>& input_names_of(const Model& model) {
  return model.steps.empty() ? model.feature_names : model.input_names;
}

Model estimator_only(const Model& model) {
  Model m = model;
  m.steps.clear();
  m.input_names.clear();
  return m;
}

namespace {
template <typename T>
size_t bytes(const std::vector<T>& v) {
  return v.size() * sizeof(T);
}
}  // namespace

size_t memory_bytes(const Model& model) {
  size_t total = sizeof(Model);
  for (const std::string& name : model.feature_names) total += sizeof(name) + name.size();
  total += bytes(model.feature_types);
  for (const auto& labels : model.category_labels)
    for (const std::string& label : labels) total += sizeof(label) + label.size();
  for (const Tree& t : model.ensemble.trees) {
    total += sizeof(Tree) + bytes(t.left_children) + bytes(t.right_children) + bytes(t.split_features) +
             bytes(t.split_kinds) + bytes(t.thresholds) + bytes(t.default_left) + bytes(t.missing_rules) +
             bytes(t.leaf_values) + bytes(t.categorical_nodes) + bytes(t.linear_constants) + bytes(t.linear_offsets) +
             bytes(t.linear_features) + bytes(t.linear_coefficients);
    for (const auto& set : t.category_sets) total += sizeof(set) + bytes(set);
  }
  total += bytes(model.linear.weights) + bytes(model.linear.bias) + bytes(model.output.base_scores);
  for (const DenseLayer& layer : model.network.layers)
    total += sizeof(DenseLayer) + bytes(layer.weights) + bytes(layer.bias) + bytes(layer.int8.values) +
             bytes(layer.int8.scales);
  for (const Step& step : model.steps) {
    total += sizeof(Step) + bytes(step.offsets) + bytes(step.scales) + bytes(step.values) + bytes(step.columns);
    for (const auto& c : step.categories) total += sizeof(c) + bytes(c);
  }
  for (const std::string& name : model.input_names) total += sizeof(name) + name.size();
  return total;
}

const char* to_string(Task task) {
  switch (task) {
    case Task::Regression: return "regression";
    case Task::BinaryClassification: return "binary_classification";
    case Task::MulticlassClassification: return "multiclass_classification";
    case Task::MultiTargetRegression: return "multi_target_regression";
    case Task::Ranking: return "ranking";
    case Task::Survival: return "survival";
  }
  return "?";
}

const char* to_string(Transform transform) {
  switch (transform) {
    case Transform::Identity: return "identity";
    case Transform::Sigmoid: return "sigmoid";
    case Transform::Softmax: return "softmax";
    case Transform::Exp: return "exp";
    case Transform::HingeClass: return "hinge_class";
    case Transform::ArgMaxClass: return "argmax_class";
    case Transform::SignedSquare: return "signed_square";
    case Transform::Softplus: return "softplus";
    case Transform::SigmoidPair: return "sigmoid_pair";
    case Transform::NormalizedSigmoid: return "normalized_sigmoid";
    case Transform::SoftmaxZero: return "softmax_zero";
    case Transform::Probit: return "probit";
    case Transform::NegatedPair: return "negated_pair";
    case Transform::ComplementPair: return "complement_pair";
    case Transform::SortAscending: return "sort_ascending";
    case Transform::CumulativeSoftplus: return "cumulative_softplus";
  }
  return "?";
}

const char* to_string(LabelRule rule) {
  switch (rule) {
    case LabelRule::Auto: return "auto";
    case LabelRule::MarginPositive: return "margin_positive";
    case LabelRule::MarginNonNegative: return "margin_non_negative";
    case LabelRule::ArgMaxMargin: return "argmax_margin";
  }
  return "?";
}

const char* to_string(Activation activation) {
  switch (activation) {
    case Activation::Identity: return "identity";
    case Activation::Relu: return "relu";
    case Activation::LeakyRelu: return "leaky_relu";
    case Activation::Tanh: return "tanh";
    case Activation::Logistic: return "logistic";
    case Activation::Softmax: return "softmax";
    case Activation::Gelu: return "gelu";
  }
  return "?";
}

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::StandardScale: return "standard_scale";
    case StepKind::MinMaxScale: return "min_max_scale";
    case StepKind::MaxAbsScale: return "max_abs_scale";
    case StepKind::ImputeConstant: return "impute_constant";
    case StepKind::OneHot: return "one_hot";
    case StepKind::SelectColumns: return "select_columns";
    case StepKind::ShiftScale: return "shift_scale";
    case StepKind::Normalize: return "normalize";
  }
  return "?";
}

const char* to_string(Precision precision) {
  return precision == Precision::Float32 ? "float32" : "float64";
}

}  // namespace xylem::ir
