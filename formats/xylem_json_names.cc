#include "formats/xylem_json_names.h"

namespace xylem::formats {

const char* comparison_name(ir::SplitKind kind) {
  switch (kind) {
    case ir::SplitKind::Less: return "<";
    case ir::SplitKind::LessEqual: return "<=";
    case ir::SplitKind::Categorical: return "category";
  }
  return "?";
}

const char* missing_rule_name(ir::MissingRule rule) {
  switch (rule) {
    case ir::MissingRule::NanToDefault: return "nan_to_default";
    case ir::MissingRule::NanAsZero: return "nan_as_zero";
    case ir::MissingRule::ZeroAndNanToDefault: return "zero_and_nan_to_default";
  }
  return "?";
}

const char* feature_type_name(ir::FeatureType type) {
  return type == ir::FeatureType::Categorical ? "categorical" : "numeric";
}

const char* aggregation_name(ir::Aggregation aggregation) {
  return aggregation == ir::Aggregation::Average ? "average" : "sum";
}

std::optional<ir::SplitKind> parse_comparison(std::string_view s) {
  if (s == "<") return ir::SplitKind::Less;
  if (s == "<=") return ir::SplitKind::LessEqual;
  if (s == "category") return ir::SplitKind::Categorical;
  return std::nullopt;
}

std::optional<ir::MissingRule> parse_missing_rule(std::string_view s) {
  for (auto r : {ir::MissingRule::NanToDefault, ir::MissingRule::NanAsZero, ir::MissingRule::ZeroAndNanToDefault})
    if (s == missing_rule_name(r)) return r;
  return std::nullopt;
}

std::optional<ir::FeatureType> parse_feature_type(std::string_view s) {
  for (auto t : {ir::FeatureType::Numeric, ir::FeatureType::Categorical})
    if (s == feature_type_name(t)) return t;
  return std::nullopt;
}

std::optional<ir::Aggregation> parse_aggregation(std::string_view s) {
  for (auto a : {ir::Aggregation::Sum, ir::Aggregation::Average})
    if (s == aggregation_name(a)) return a;
  return std::nullopt;
}

std::optional<ir::Precision> parse_precision(std::string_view s) {
  for (auto p : {ir::Precision::Float32, ir::Precision::Float64})
    if (s == ir::to_string(p)) return p;
  return std::nullopt;
}

std::optional<ir::Task> parse_task(std::string_view s) {
  for (auto t : {ir::Task::Regression, ir::Task::BinaryClassification, ir::Task::MulticlassClassification,
                 ir::Task::MultiTargetRegression, ir::Task::Ranking, ir::Task::Survival})
    if (s == ir::to_string(t)) return t;
  return std::nullopt;
}

std::optional<ir::Transform> parse_transform(std::string_view s) {
  for (auto t : {ir::Transform::Identity, ir::Transform::Sigmoid, ir::Transform::Softmax, ir::Transform::Exp,
                 ir::Transform::HingeClass, ir::Transform::ArgMaxClass, ir::Transform::SignedSquare,
                 ir::Transform::Softplus, ir::Transform::SigmoidPair, ir::Transform::NormalizedSigmoid,
                 ir::Transform::SoftmaxZero, ir::Transform::Probit, ir::Transform::NegatedPair,
                 ir::Transform::ComplementPair, ir::Transform::SortAscending, ir::Transform::CumulativeSoftplus})
    if (s == ir::to_string(t)) return t;
  return std::nullopt;
}

std::optional<ir::LabelRule> parse_label_rule(std::string_view s) {
  for (auto r : {ir::LabelRule::Auto, ir::LabelRule::MarginPositive, ir::LabelRule::MarginNonNegative,
                 ir::LabelRule::ArgMaxMargin})
    if (s == ir::to_string(r)) return r;
  return std::nullopt;
}

std::optional<ir::Activation> parse_activation(std::string_view s) {
  for (auto a : {ir::Activation::Identity, ir::Activation::Relu, ir::Activation::LeakyRelu, ir::Activation::Tanh,
                 ir::Activation::Logistic, ir::Activation::Softmax, ir::Activation::Gelu})
    if (s == ir::to_string(a)) return a;
  return std::nullopt;
}

std::optional<ir::StepKind> parse_step_kind(std::string_view s) {
  for (auto k : {ir::StepKind::StandardScale, ir::StepKind::MinMaxScale, ir::StepKind::MaxAbsScale,
                 ir::StepKind::ImputeConstant, ir::StepKind::OneHot, ir::StepKind::SelectColumns,
                 ir::StepKind::ShiftScale, ir::StepKind::Normalize})
    if (s == ir::to_string(k)) return k;
  return std::nullopt;
}

}  // namespace xylem::formats
