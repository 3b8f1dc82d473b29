#include "engine/ir/model_ir.h"

namespace xylem::ir {

int32_t prediction_width(const Model& model) {
  return model.output.transform == Transform::ArgMaxClass ? 1 : model.num_outputs;
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
