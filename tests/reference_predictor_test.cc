// The reference predictor, rule by rule, on hand-made models whose right answers
// follow from the rules in docs/format.md (each expected value is worked out in the
// test, not taken from the predictor).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/ir/validate.h"
#include "engine/reference/reference_predictor.h"
#include "tests/ir_builders.h"

namespace xylem::testing {
namespace {

using ir::MissingRule;
using ir::Precision;
using ir::SplitKind;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double predict1(const ir::Model& m, std::vector<double> row, bool margin = false) {
  ir::validate(m, "test");
  reference::ReferencePredictor p(m);
  std::vector<double> out(m.num_outputs);
  p.predict_row(row.data(), out.data(), margin);
  return out[0];
}

TEST(ReferencePredictor, LessAndLessEqualDifferOnlyAtTheThreshold) {
  auto lt = f64_model({stump(SplitKind::Less, 1.0, 10, 20)});
  auto le = f64_model({stump(SplitKind::LessEqual, 1.0, 10, 20)});
  EXPECT_EQ(predict1(lt, {1.0}), 20);
  EXPECT_EQ(predict1(le, {1.0}), 10);
  EXPECT_EQ(predict1(lt, {std::nextafter(1.0, 0.0)}), 10);
  EXPECT_EQ(predict1(le, {std::nextafter(1.0, 2.0)}), 20);
}

TEST(ReferencePredictor, Float32InputsAreRoundedBeforeComparing) {
  // 1 - 1e-12 rounds to 1.0f: XGBoost sends it right (1.0 < 1.0 is false).
  auto m = model_of({stump(SplitKind::Less, 1.0, 10, 20)});
  EXPECT_EQ(predict1(m, {1.0 - 1e-12}), 20);
  auto wide = f64_model({stump(SplitKind::Less, 1.0, 10, 20)});
  EXPECT_EQ(predict1(wide, {1.0 - 1e-12}), 10);
}

TEST(ReferencePredictor, MissingRules) {
  // NaN to the default side, whichever it is.
  EXPECT_EQ(predict1(f64_model({stump(SplitKind::LessEqual, 1.0, 10, 20, true)}), {kNaN}), 10);
  EXPECT_EQ(predict1(f64_model({stump(SplitKind::LessEqual, -1.0, 10, 20, false)}), {kNaN}), 20);
  // LightGBM "None": NaN is 0.0, so it goes left of 1.0 although default is right.
  auto as_zero = f64_model({stump(SplitKind::LessEqual, 1.0, 10, 20, false, MissingRule::NanAsZero)});
  EXPECT_EQ(predict1(as_zero, {kNaN}), 10);
  auto as_zero_neg = f64_model({stump(SplitKind::LessEqual, -1.0, 10, 20, true, MissingRule::NanAsZero)});
  EXPECT_EQ(predict1(as_zero_neg, {kNaN}), 20);
  // LightGBM "Zero": |x| <= (double)1e-35f and NaN take the default side.
  auto zero = f64_model({stump(SplitKind::LessEqual, -5.0, 10, 20, true, MissingRule::ZeroAndNanToDefault)});
  EXPECT_EQ(predict1(zero, {0.0}), 10);
  EXPECT_EQ(predict1(zero, {-0.0}), 10);
  EXPECT_EQ(predict1(zero, {ir::kZeroThreshold}), 10);
  EXPECT_EQ(predict1(zero, {-ir::kZeroThreshold}), 10);
  EXPECT_EQ(predict1(zero, {kNaN}), 10);
  EXPECT_EQ(predict1(zero, {std::nextafter(ir::kZeroThreshold, 1.0)}), 20);
  EXPECT_EQ(predict1(zero, {1e-35}), 10);  // 1e-35 < (double)1e-35f
}

TEST(ReferencePredictor, XGBoostCategoryRule) {
  // Set {1, 3} goes right; negative values (even -0.5) and values >= 2^24 are invalid
  // and go with the non-members (left); NaN follows default_left.
  auto m = model_of({category_stump({1, 3}, 10, 20, /*default_left=*/false)});
  EXPECT_EQ(predict1(m, {3.0}), 20);
  EXPECT_EQ(predict1(m, {3.9}), 20);  // truncated to 3
  EXPECT_EQ(predict1(m, {2.0}), 10);
  EXPECT_EQ(predict1(m, {-0.5}), 10);
  EXPECT_EQ(predict1(m, {-1.0}), 10);
  EXPECT_EQ(predict1(m, {16777216.0}), 10);
  EXPECT_EQ(predict1(m, {1e10}), 10);
  EXPECT_EQ(predict1(m, {kNaN}), 20);
}

TEST(ReferencePredictor, LightGBMStyleCategoryRule) {
  // Set {0, 2} goes LEFT; -0.5 truncates to category 0; -1 is invalid -> non-member side (right).
  auto m = f64_model({category_stump({0, 2}, 10, 20, false)});
  m.ensemble.categories_go_right = false;
  m.ensemble.category_rule = {true, 2147483648.0, false};
  EXPECT_EQ(predict1(m, {-0.5}), 10);
  EXPECT_EQ(predict1(m, {2.9}), 10);
  EXPECT_EQ(predict1(m, {1.0}), 20);
  EXPECT_EQ(predict1(m, {-1.0}), 20);
  EXPECT_EQ(predict1(m, {kNaN}), 20);
  // Invalid categories to the default side (scikit-learn HistGradientBoosting).
  m.ensemble.category_rule.invalid_to_default = true;
  m.ensemble.trees[0].default_left[0] = 1;
  EXPECT_EQ(predict1(m, {-1.0}), 10);
}

TEST(ReferencePredictor, Float32SumsRoundAtEveryStep) {
  // 2^24 + 1 + 1 in float32 stays 2^24 (each +1 rounds back to even); in float64 it is 2^24 + 2.
  auto m = model_of({stump(SplitKind::Less, 0, 1, 1), stump(SplitKind::Less, 0, 1, 1)});
  m.output.base_scores = {16777216.0};
  EXPECT_EQ(predict1(m, {0.0}, true), 16777216.0);
  m.output.accumulation = Precision::Float64;
  EXPECT_EQ(predict1(m, {0.0}, true), 16777218.0);
}

TEST(ReferencePredictor, AverageScaleAndBaseScoreOrder) {
  auto m = f64_model({stump(SplitKind::Less, 0, 1, 1), stump(SplitKind::Less, 0, 4, 4)});
  m.output.aggregation = ir::Aggregation::Average;
  EXPECT_EQ(predict1(m, {0.0}, true), 2.5);
  m.output.scale = 2.0;
  m.output.base_scores = {0.5};
  m.output.base_scores_first = false;  // (2.5 * 2) + 0.5
  EXPECT_EQ(predict1(m, {0.0}, true), 5.5);
  m.output.base_scores_first = true;  // ((0.5 + 1 + 4) / 2) * 2
  EXPECT_EQ(predict1(m, {0.0}, true), 5.5);
}

TEST(ReferencePredictor, TreeWeightsAndVectorLeaves) {
  ir::Tree t = stump(SplitKind::Less, 0, 0, 0);
  t.leaf_size = 2;
  t.leaf_values = {0, 0, 1, 2, 3, 4};  // node-major: node 1 -> (1, 2), node 2 -> (3, 4)
  t.weight = 0.5;
  auto m = model_of({t}, 1, 2);
  ir::validate(m, "test");
  reference::ReferencePredictor p(m);
  double out[2];
  double row[1] = {-1.0};
  p.predict_row(row, out, true);
  EXPECT_EQ(out[0], 0.5);
  EXPECT_EQ(out[1], 1.0);
}

TEST(ReferencePredictor, LinearSkipsMissingInputs) {
  auto m = model_of({}, 2, 1);
  m.has_linear = true;
  m.linear.weights = {2.0, 3.0};
  m.linear.bias = {1.0};
  EXPECT_EQ(predict1(m, {1.0, 1.0}, true), 6.0);
  EXPECT_EQ(predict1(m, {kNaN, 1.0}, true), 4.0);
}

TEST(ReferencePredictor, Transforms) {
  auto m = f64_model({stump(SplitKind::Less, 0, 0.5, 0.5)});
  m.output.transform = ir::Transform::Sigmoid;
  m.output.sigmoid_alpha = 2.0;
  EXPECT_DOUBLE_EQ(predict1(m, {0.0}), 1.0 / (1.0 + std::exp(-1.0)));
  m.output.transform = ir::Transform::Exp;
  EXPECT_DOUBLE_EQ(predict1(m, {0.0}), std::exp(0.5));
  m.output.transform = ir::Transform::HingeClass;
  EXPECT_EQ(predict1(m, {0.0}), 1.0);

  // Argmax: first of equal maxima.
  auto c = model_of({}, 1, 3);
  c.output.base_scores = {1.0, 3.0, 3.0};
  c.output.transform = ir::Transform::ArgMaxClass;
  EXPECT_EQ(predict1(c, {0.0}), 1.0);
  c.output.transform = ir::Transform::Softmax;
  ir::validate(c, "test");
  reference::ReferencePredictor p(c);
  double out[3], row[1] = {0};
  p.predict_row(row, out, false);
  const double e = std::exp(-2.0f);  // float32 path: expf(1 - 3)
  EXPECT_FLOAT_EQ(out[0], e / (e + 2));
  EXPECT_FLOAT_EQ(out[1], 1 / (e + 2));
}

TEST(ReferencePredictor, LeafIndexFollowsTheTree) {
  auto m = model_of({stump(SplitKind::Less, 0.0, 1, 2)});
  reference::ReferencePredictor p(m);
  double left[1] = {-1}, right[1] = {1};
  EXPECT_EQ(p.leaf_index(0, left), 1);
  EXPECT_EQ(p.leaf_index(0, right), 2);
}

TEST(ReferencePredictor, NumIterationsCountsWholeIterations) {
  // Four trees, two per iteration (outputs 0 and 1), adding 1, 10, 100, 1000.
  std::vector<ir::Tree> trees;
  for (double v : {1.0, 10.0, 100.0, 1000.0}) trees.push_back(stump(SplitKind::Less, 0, v, v));
  trees[1].output = trees[3].output = 1;
  auto m = f64_model(trees);
  m.num_outputs = 2;
  m.output.base_scores = {0, 0};
  m.ensemble.trees_per_iteration = 2;
  ir::validate(m, "test");
  reference::ReferencePredictor p(m);
  EXPECT_EQ(p.num_iterations(), 2);
  double out[2], row[1] = {0};
  p.predict_row(row, out, true, 1);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 10);
  p.predict_row(row, out, true, 0);
  EXPECT_EQ(out[0], 101);
  EXPECT_EQ(out[1], 1010);
}

TEST(ReferencePredictor, LinearLeafFallsBackOnMissingInput) {
  // Leaf 1: 0.5 + 2 * x1, fallback 7; leaf 2: 3 (no terms).
  ir::Tree t = stump(SplitKind::Less, 0, 7, 9);
  t.linear_constants = {0, 0.5, 3};
  t.linear_offsets = {0, 0, 1, 1};
  t.linear_features = {1};
  t.linear_coefficients = {2};
  auto m = f64_model({t});
  m.num_features = 2;
  m.feature_types.assign(2, ir::FeatureType::Numeric);
  EXPECT_EQ(predict1(m, {-1.0, 4.0}, true), 8.5);
  EXPECT_EQ(predict1(m, {-1.0, kNaN}, true), 7);
  EXPECT_EQ(predict1(m, {1.0, kNaN}, true), 3);
}

}  // namespace
}  // namespace xylem::testing
