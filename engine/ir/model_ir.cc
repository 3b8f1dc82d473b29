#include "engine/ir/model_ir.h"

namespace xylem::ir {

int32_t prediction_width(const Model& model) {
  return model.output.transform == Transform::ArgMaxClass ? 1 : model.num_outputs;
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
  }
  return "?";
}

const char* to_string(Precision precision) {
  return precision == Precision::Float32 ? "float32" : "float64";
}

}  // namespace xylem::ir
