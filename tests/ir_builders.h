// Small hand-made IR models for unit tests of rules that real fixtures may not reach.
#pragma once

#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::testing {

// One split on feature 0: left leaf `left`, right leaf `right`.
inline ir::Tree stump(ir::SplitKind kind, double threshold, double left, double right, bool default_left = false,
                      ir::MissingRule rule = ir::MissingRule::NanToDefault) {
  ir::Tree t;
  t.left_children = {1, -1, -1};
  t.right_children = {2, -1, -1};
  t.split_features = {0, 0, 0};
  t.split_kinds = {kind, kind, kind};
  t.thresholds = {threshold, 0, 0};
  t.default_left = {static_cast<uint8_t>(default_left), 0, 0};
  t.missing_rules = {rule, rule, rule};
  t.leaf_values = {0, left, right};
  return t;
}

inline ir::Tree category_stump(std::vector<uint32_t> set, double left, double right, bool default_left = false) {
  ir::Tree t = stump(ir::SplitKind::Categorical, 0, left, right, default_left);
  t.categorical_nodes = {0};
  t.category_sets = {std::move(set)};
  return t;
}

inline ir::Model model_of(std::vector<ir::Tree> trees, int32_t num_features = 1, int32_t num_outputs = 1) {
  ir::Model m;
  m.num_features = num_features;
  m.feature_types.assign(num_features, ir::FeatureType::Numeric);
  m.num_outputs = num_outputs;
  m.output.base_scores.assign(num_outputs, 0.0);
  m.ensemble.trees = std::move(trees);
  m.source.library = "test";
  return m;
}

// model_of with every precision float64 (LightGBM's, scikit-learn's rules).
inline ir::Model f64_model(std::vector<ir::Tree> trees, int32_t num_features = 1, int32_t num_outputs = 1) {
  ir::Model m = model_of(std::move(trees), num_features, num_outputs);
  m.ensemble.input_precision = ir::Precision::Float64;
  m.ensemble.threshold_precision = ir::Precision::Float64;
  m.output.accumulation = ir::Precision::Float64;
  m.output.transform_precision = ir::Precision::Float64;
  return m;
}

}  // namespace xylem::testing
