// xylem JSON: writing then reading gives the same IR (so bit-identical predictions),
// for every field, including those no XGBoost model uses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/ir/validate.h"
#include "formats/json_value.h"
#include "formats/xylem_json.h"
#include "tests/ir_builders.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using ir::MissingRule;
using ir::Precision;
using ir::SplitKind;

ir::Model everything_model() {
  // float64 thresholds that are not floats, infinities, mixed comparisons and missing
  // rules in one tree, categories going left, vector leaves, a linear part.
  ir::Tree mixed;
  mixed.left_children = {1, 3, 5, -1, -1, -1, -1};
  mixed.right_children = {2, 4, 6, -1, -1, -1, -1};
  mixed.split_features = {0, 1, 0, 0, 0, 0, 0};
  mixed.split_kinds = {SplitKind::LessEqual, SplitKind::Categorical, SplitKind::Less, SplitKind::Less,
                       SplitKind::Less, SplitKind::Less, SplitKind::Less};
  mixed.thresholds = {0.1, 0, 5, 0, 0, 0, 0};
  mixed.default_left = {1, 0, 1, 0, 0, 0, 0};
  mixed.missing_rules = {MissingRule::ZeroAndNanToDefault, MissingRule::NanToDefault, MissingRule::NanAsZero,
                         MissingRule::NanAsZero, MissingRule::NanAsZero, MissingRule::NanAsZero, MissingRule::NanAsZero};
  mixed.leaf_values = {0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, -1e-300, 5e300, 7, 8};
  mixed.leaf_size = 2;
  mixed.categorical_nodes = {1};
  mixed.category_sets = {{0, 7, 4000000000u}};
  ir::Tree plain = stump(SplitKind::Less, -std::numeric_limits<double>::infinity(), 1.0 / 3, 2.0 / 3);
  plain.output = 1;
  plain.weight = 0.7;
  ir::Model m = model_of({mixed, plain}, 2, 2);
  m.feature_names = {"x \"quoted\"", "ünïcode"};
  m.feature_types = {ir::FeatureType::Numeric, ir::FeatureType::Categorical};
  m.task = ir::Task::MulticlassClassification;
  m.ensemble.input_precision = Precision::Float64;
  m.ensemble.threshold_precision = Precision::Float64;
  m.ensemble.categories_go_right = false;
  m.ensemble.category_rule = {true, 4294967296.0, true};
  m.output.accumulation = Precision::Float64;
  m.output.transform_precision = Precision::Float64;
  m.output.transform = ir::Transform::Softmax;
  m.output.aggregation = ir::Aggregation::Average;
  m.output.base_scores = {0.1, -0.2};
  m.output.base_scores_first = false;
  m.output.scale = 1.5;
  m.output.sigmoid_alpha = 0.25;
  m.has_linear = true;
  m.linear.num_outputs = 2;
  m.linear.weights = {0.1, 0.2, 0.3, 0.4};
  m.linear.bias = {1e-20, -3};
  m.linear.input_precision = Precision::Float64;
  m.source = {"test", "1.0", "json", "custom", "gbtree", 12};
  return m;
}

TEST(XylemJson, RoundTripKeepsEveryField) {
  ir::Model m = everything_model();
  ir::validate(m, "everything");
  const std::string text = formats::write_xylem_json(m);
  ir::Model back = formats::read_xylem_json(formats::parse_json_text(text, "x.json"), "x.json");
  EXPECT_EQ(formats::write_xylem_json(back), text);
  const ir::Tree& t = back.ensemble.trees[0];
  // Split kinds and missing rules mean something only on internal (numeric) nodes.
  for (int32_t i = 0; i < 3; ++i) EXPECT_EQ(t.split_kinds[i], m.ensemble.trees[0].split_kinds[i]) << i;
  EXPECT_EQ(t.missing_rules[0], m.ensemble.trees[0].missing_rules[0]);
  EXPECT_EQ(t.missing_rules[2], m.ensemble.trees[0].missing_rules[2]);
  EXPECT_NE(text.find("\"comparisons\""), std::string::npos);
  EXPECT_NE(text.find("\"missing_rules\""), std::string::npos);
  EXPECT_EQ(t.leaf_values, m.ensemble.trees[0].leaf_values);
  EXPECT_EQ(t.category_sets, m.ensemble.trees[0].category_sets);
  EXPECT_EQ(back.ensemble.trees[1].thresholds[0], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(back.ensemble.trees[1].leaf_values[1], 1.0 / 3);
  EXPECT_EQ(back.feature_names, m.feature_names);
  EXPECT_EQ(back.source.best_iteration, 12);
  EXPECT_EQ(back.output.scale, 1.5);
  EXPECT_EQ(back.linear.bias, m.linear.bias);
  EXPECT_FALSE(back.ensemble.categories_go_right);
  EXPECT_TRUE(back.ensemble.category_rule.invalid_to_default);
}

TEST(XylemJson, Float32ValuesAreWrittenShortAndReadExactly) {
  ir::Model m = model_of({stump(SplitKind::Less, static_cast<float>(0.3), static_cast<float>(0.1), 2)});
  const std::string text = formats::write_xylem_json(m);
  EXPECT_NE(text.find("\"thresholds\": [0.3, 0, 0]"), std::string::npos) << text;
  ir::Model back = formats::read_xylem_json(formats::parse_json_text(text, "x.json"), "x.json");
  EXPECT_EQ(back.ensemble.trees[0].thresholds[0], static_cast<double>(0.3f));
  EXPECT_EQ(back.ensemble.trees[0].leaf_values[1], static_cast<double>(0.1f));
}

TEST(XylemJson, OutOfRangeChildNamesTheJsonPath) {
  // The message shape promised in docs/format.md.
  std::vector<ir::Tree> trees(4, stump(SplitKind::Less, 0, 1, 2));
  ir::Model m = model_of(trees);
  std::string text = formats::write_xylem_json(m);
  const std::string needle = "\"left_children\": [1, -1, -1]";
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) pos = text.find(needle, pos + 1);  // the fourth tree
  text.replace(pos, needle.size(), "\"left_children\": [900, -1, -1]");
  try {
    Model::load_from_memory(text, "model.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model.json: trees[3].left_children[0]: child 900 out of range (tree has 3 nodes)");
  }
}

TEST(XylemJson, NonFloatThresholdUnderFloat32PrecisionIsRejected) {
  ir::Model m = model_of({stump(SplitKind::Less, 0.1, 1, 2)});  // 0.1 is not a float
  m.ensemble.threshold_precision = Precision::Float32;
  EXPECT_THROW(ir::validate(m, "m"), Error);
}

}  // namespace
}  // namespace xylem::testing
