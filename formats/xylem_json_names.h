// The strings xylem JSON uses for IR enumerations, both ways.
#pragma once

#include <optional>
#include <string_view>

#include "engine/ir/model_ir.h"

namespace xylem::formats {

const char* comparison_name(ir::SplitKind kind);
const char* missing_rule_name(ir::MissingRule rule);
const char* feature_type_name(ir::FeatureType type);
const char* aggregation_name(ir::Aggregation aggregation);

std::optional<ir::SplitKind> parse_comparison(std::string_view s);
std::optional<ir::MissingRule> parse_missing_rule(std::string_view s);
std::optional<ir::FeatureType> parse_feature_type(std::string_view s);
std::optional<ir::Aggregation> parse_aggregation(std::string_view s);
std::optional<ir::Precision> parse_precision(std::string_view s);
std::optional<ir::Task> parse_task(std::string_view s);
std::optional<ir::Transform> parse_transform(std::string_view s);
std::optional<ir::LabelRule> parse_label_rule(std::string_view s);
std::optional<ir::Activation> parse_activation(std::string_view s);
std::optional<ir::StepKind> parse_step_kind(std::string_view s);

}  // namespace xylem::formats
