// The IR rules added for LightGBM and CatBoost (linear leaves, iterations, tiny
// inputs, margin before average, category labels, the CatBoost category hash, the
// signed_square and softplus transforms), on tiny hand-made models loaded through
// xylem JSON and predicted through the public API. Each expected value is worked out
// in the test from the rule in docs/format.md, not taken from the predictor.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "engine/ir/category_key.h"
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
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Through the file format, as a user gets it.
Model load(const ir::Model& m) { return Model::load_from_memory(formats::write_xylem_json(m), "m.json"); }

ir::Model round_trip(const ir::Model& m) {
  return formats::read_xylem_json(formats::parse_json_text(formats::write_xylem_json(m), "m.json"), "m.json");
}

std::vector<double> predict(const Model& model, const std::vector<double>& rows, PredictOptions options = {}) {
  const size_t n = rows.size() / model.num_features();
  std::vector<double> out(n * model.output_width(options.margin));
  model.predict(rows.data(), n, out.data(), options);
  return out;
}

std::vector<double> margins(const Model& model, const std::vector<double>& rows, int num_iterations = 0) {
  PredictOptions o;
  o.margin = true;
  o.num_iterations = num_iterations;
  return predict(model, rows, o);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// ---------------------------------------------------------------------------
// Linear leaves

// x0 <= 0.5 ? left : right, on two features.
//   left  (node 1): 1 + 2 * x0 + 3 * x1, fallback leaf value 100
//   right (node 2): -1 (a linear leaf without terms), fallback 200 (never used)
ir::Model linear_stump() {
  ir::Tree t = stump(SplitKind::LessEqual, 0.5, 100, 200, /*default_left=*/true);
  t.linear_constants = {0, 1, -1};
  t.linear_offsets = {0, 0, 2, 2};
  t.linear_features = {0, 1};
  t.linear_coefficients = {2, 3};
  return f64_model({t}, 2);
}

TEST(LinearLeaves, ConstantPlusTermsOrFallbackOnNaN) {
  const Model model = load(linear_stump());
  const std::vector<double> out = margins(model, {
                                                     0.25, 2.0,   // left: 1 + 0.5 + 6 = 7.5
                                                     0.25, kNaN,  // left, x1 missing: leaf value 100
                                                     kNaN, 2.0,   // NaN goes left (default), x0 missing: 100
                                                     1.0, kNaN,   // right: -1, it reads no input
                                                     1.0, 2.0,    // right: -1
                                                 });
  EXPECT_EQ(out, (std::vector<double>{7.5, 100, 100, -1, -1}));
  EXPECT_EQ(model.summary().num_linear_leaves, 2u);
}

TEST(LinearLeaves, ReadTheUnroundedInputInFloat64) {
  // Splits compare float32-rounded inputs, but linear leaves use the float64 input:
  // 0 + 1 * 0.1 is 0.1, not (double)0.1f, and the sum is not rounded to float32 either.
  ir::Tree t = stump(SplitKind::LessEqual, 0.5, 100, 200);
  t.linear_constants = {0, 0, 0};
  t.linear_offsets = {0, 0, 1, 1};
  t.linear_features = {0};
  t.linear_coefficients = {1};
  ir::Model m = f64_model({t});
  m.ensemble.input_precision = Precision::Float32;
  m.ensemble.threshold_precision = Precision::Float32;
  const Model model = load(m);
  EXPECT_EQ(margins(model, {0.1})[0], 0.1);
  EXPECT_NE(0.1, static_cast<double>(0.1f));
  // 0.5 + 2^-30 rounds to 0.5f, so the split sends it left, where it is read unrounded.
  const double x = 0.5 + std::ldexp(1.0, -30);
  EXPECT_EQ(margins(model, {x})[0], x);
}

TEST(LinearLeaves, SumInOrderConstantFirst) {
  // 1e16 + 1 + 1 in float64 stays 1e16 (each +1 rounds back), while 1 + 1 + 1e16 would
  // give 1e16 + 2: the constant comes first, then the terms in file order.
  ir::Tree t = stump(SplitKind::LessEqual, 0.5, 100, 200);
  t.linear_constants = {0, 1e16, 0};
  t.linear_offsets = {0, 0, 2, 2};
  t.linear_features = {1, 2};
  t.linear_coefficients = {1, 1};
  const Model model = load(f64_model({t}, 3));
  EXPECT_EQ(margins(model, {0.0, 1.0, 1.0})[0], 1e16);
}

// ---------------------------------------------------------------------------
// Iterations

// Two classes, three iterations of two trees (tree 2i + k adds to class k):
//   iteration 0 adds (1, 10), iteration 1 adds (2, 20), iteration 2 adds (4, 40).
ir::Model three_iterations() {
  std::vector<ir::Tree> trees;
  const double adds[3][2] = {{1, 10}, {2, 20}, {4, 40}};
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 2; ++k) {
      ir::Tree t = stump(SplitKind::LessEqual, 0.0, adds[i][k], adds[i][k]);
      t.output = k;
      trees.push_back(t);
    }
  ir::Model m = f64_model(trees, 1, 2);
  m.ensemble.trees_per_iteration = 2;
  m.output.base_scores = {0.5, 0.25};
  m.task = ir::Task::MulticlassClassification;
  m.output.transform = ir::Transform::Softmax;
  return m;
}

TEST(Iterations, FirstNIterationsOfTwoClasses) {
  const Model model = load(three_iterations());
  EXPECT_EQ(margins(model, {0.0}, 1), (std::vector<double>{1.5, 10.25}));
  EXPECT_EQ(margins(model, {0.0}, 2), (std::vector<double>{3.5, 30.25}));
  EXPECT_EQ(margins(model, {0.0}, 3), (std::vector<double>{7.5, 70.25}));
  EXPECT_EQ(margins(model, {0.0}, 0), (std::vector<double>{7.5, 70.25}));  // 0: all
  // Predictions go through softmax of the truncated margins.
  PredictOptions o;
  o.num_iterations = 1;
  const std::vector<double> p = predict(model, {0.0}, o);
  const double e = std::exp(1.5 - 10.25);
  EXPECT_DOUBLE_EQ(p[0], e / (1 + e));
  EXPECT_DOUBLE_EQ(p[1], 1 / (1 + e));
  EXPECT_EQ(model.summary().num_iterations, 3);
  EXPECT_EQ(model.summary().trees_per_iteration, 2);
}

TEST(Iterations, MoreIterationsThanTheModelHasIsAnError) {
  const Model model = load(three_iterations());
  const std::string four = error_of([&] { margins(model, {0.0}, 4); });
  EXPECT_NE(four.find("num_iterations 4 out of range"), std::string::npos) << four;
  EXPECT_NE(four.find("3 iterations"), std::string::npos) << four;
  const std::string negative = error_of([&] { margins(model, {0.0}, -1); });
  EXPECT_NE(negative.find("out of range"), std::string::npos) << negative;
  // Also through the float rows and several threads.
  std::vector<float> rows = {0.0f, 1.0f};
  std::vector<double> out(4);
  PredictOptions o;
  o.num_iterations = 4;
  o.threads = 2;
  EXPECT_THROW(model.predict(rows.data(), 2, out.data(), o), Error);
}

TEST(Iterations, AverageDividesByTheTreesUsed) {
  // A forest of three trees adding 1, 2 and 6: the first two average to 1.5, all to 3.
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0, 1, 1), stump(SplitKind::LessEqual, 0, 2, 2),
                           stump(SplitKind::LessEqual, 0, 6, 6)});
  m.output.aggregation = ir::Aggregation::Average;
  const Model model = load(m);
  EXPECT_EQ(margins(model, {0.0}, 2)[0], 1.5);
  EXPECT_EQ(margins(model, {0.0}, 3)[0], 3.0);
  EXPECT_EQ(margins(model, {0.0}, 0)[0], 3.0);
}

// ---------------------------------------------------------------------------
// margin_before_average (LightGBM random forest)

TEST(MarginBeforeAverage, MarginIsThePlainSumPredictionTheAverage) {
  // Trees add 1 and 4: sum 5, average 2.5; the transform (exp) applies to the average.
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0, 1, 1), stump(SplitKind::LessEqual, 0, 4, 4)});
  m.output.aggregation = ir::Aggregation::Average;
  m.output.transform = ir::Transform::Exp;
  m.output.margin_before_average = true;
  const Model rf = load(m);
  EXPECT_EQ(margins(rf, {0.0})[0], 5.0);
  EXPECT_DOUBLE_EQ(predict(rf, {0.0})[0], std::exp(2.5));
  // With num_iterations the margin is still the plain sum of the trees used.
  EXPECT_EQ(margins(rf, {0.0}, 1)[0], 1.0);

  m.output.margin_before_average = false;  // XGBoost / scikit-learn forests: both averaged
  const Model plain = load(m);
  EXPECT_EQ(margins(plain, {0.0})[0], 2.5);
  EXPECT_DOUBLE_EQ(predict(plain, {0.0})[0], std::exp(2.5));
}

// ---------------------------------------------------------------------------
// tiny_inputs_are_zero (LightGBM drops |x| <= (double)1e-35f when it reads a row)

TEST(TinyInputs, BecomeZeroBeforeTheTrees) {
  // x <= -1e-40 goes left (10), else right (20). Without the rule, -1e-36 and -1e-35f
  // are <= -1e-40 and go left; as 0.0 they go right. -0.0 > -1e-40 goes right either way.
  ir::Model m = f64_model({stump(SplitKind::LessEqual, -1e-40, 10, 20)});
  const double neg_f = static_cast<double>(-1e-35f);
  const double just_beyond = std::nextafter(neg_f, -1.0);  // |x| > 1e-35f: kept
  const std::vector<double> rows = {1e-36, -1e-36, neg_f, -0.0, just_beyond, -1e-30};
  EXPECT_EQ(margins(load(m), rows), (std::vector<double>{20, 10, 10, 20, 10, 10}));
  m.ensemble.tiny_inputs_are_zero = true;
  EXPECT_EQ(margins(load(m), rows), (std::vector<double>{20, 20, 20, 20, 10, 10}));
}

TEST(TinyInputs, FloatRowsToo) {
  // -1e-35f through the float API widens to exactly -(double)1e-35f: zeroed.
  ir::Model m = f64_model({stump(SplitKind::LessEqual, -1e-40, 10, 20)});
  m.ensemble.tiny_inputs_are_zero = true;
  const Model model = load(m);
  const float rows[2] = {-1e-35f, -1.1e-35f};
  double out[2];
  PredictOptions o;
  o.margin = true;
  model.predict(rows, 2, out, o);
  EXPECT_EQ(out[0], 20);
  EXPECT_EQ(out[1], 10);
}

TEST(TinyInputs, BecomeZeroInLinearLeavesToo) {
  // One linear leaf: 1 + 1e40 * x1. x1 = 1e-36 gives 1 + 1e4 unless it is zeroed.
  ir::Tree t = stump(SplitKind::LessEqual, 0.5, 100, 200);
  t.linear_constants = {0, 1, 1};
  t.linear_offsets = {0, 0, 1, 2};
  t.linear_features = {1, 1};
  t.linear_coefficients = {1e40, 1e40};
  ir::Model m = f64_model({t}, 2);
  EXPECT_EQ(margins(load(m), {0.0, 1e-36})[0], 1 + 1e40 * 1e-36);  // about 10001
  m.ensemble.tiny_inputs_are_zero = true;
  EXPECT_EQ(margins(load(m), {0.0, 1e-36})[0], 1.0);
  // A zeroed tiny value is a value, not a missing one: no fallback to the leaf value.
  EXPECT_EQ(margins(load(m), {0.0, -1e-37})[0], 1.0);
}

// ---------------------------------------------------------------------------
// Transforms

TEST(Transforms, SignedSquareAndSoftplus) {
  for (Precision p : {Precision::Float64, Precision::Float32}) {
    ir::Model m = f64_model({stump(SplitKind::LessEqual, 0.0, -1.5, 3.0)});
    m.output.transform_precision = p;
    m.output.transform = ir::Transform::SignedSquare;  // |x| * x
    const Model sq = load(m);
    EXPECT_EQ(predict(sq, {-1.0, 1.0}), (std::vector<double>{-2.25, 9.0}));

    m.output.transform = ir::Transform::Softplus;  // log1p(exp(x))
    const Model sp = load(m);
    const std::vector<double> out = predict(sp, {-1.0, 1.0});
    if (p == Precision::Float64) {
      EXPECT_EQ(out[0], std::log1p(std::exp(-1.5)));
      EXPECT_EQ(out[1], std::log1p(std::exp(3.0)));
    } else {
      EXPECT_EQ(out[0], std::log1p(std::exp(-1.5f)));
      EXPECT_EQ(out[1], std::log1p(std::exp(3.0f)));
    }
    EXPECT_NEAR(out[1], 3.048587351573742, 1e-6);
  }
}

// ---------------------------------------------------------------------------
// CatBoost categories (DecimalHash)

TEST(CatBoostCategories, RawIntegerValuesAreHashedNotRounded) {
  // Set {hash("10000000001")} goes right, the rest left. The value reaches the hash
  // unrounded although the ensemble's inputs are float32: 10000000001 and 10000000000
  // both round to 1e10f, yet only the first is in the set.
  const uint32_t key = static_cast<uint32_t>(ir::city_hash64_short("10000000001"));
  ASSERT_EQ(key, 3804315932u);
  ir::Model m = model_of({category_stump({key}, 10, 20, /*default_left=*/false)});
  m.ensemble.category_rule.key = ir::CategoryKey::DecimalHash;
  m.ensemble.category_rule.limit = 4294967296.0;
  m.ensemble.category_rule.invalid_to_default = true;
  m.feature_types = {ir::FeatureType::Categorical};
  ASSERT_EQ(static_cast<float>(10000000001.0), static_cast<float>(10000000000.0));
  const Model model = load(m);
  EXPECT_EQ(margins(model, {10000000001.0, 10000000000.0})[0], 20);
  EXPECT_EQ(margins(model, {10000000001.0, 10000000000.0})[1], 10);
  // NaN follows default_left (false: right, 20); invalid values (2.5, inf) go to the
  // default side too with invalid_to_default.
  EXPECT_EQ(margins(model, {kNaN, 2.5, std::numeric_limits<double>::infinity()}),
            (std::vector<double>{20, 20, 20}));
  m.ensemble.trees[0].default_left[0] = 1;
  EXPECT_EQ(margins(load(m), {kNaN, 2.5, 1e19, 10000000001.0}), (std::vector<double>{10, 10, 10, 20}));
}

TEST(CatBoostCategories, NumericSplitsStillRoundToFloat32) {
  // A numeric node next to a hashed category node keeps the float32 input rule.
  ir::Tree t = category_stump({static_cast<uint32_t>(ir::city_hash64_short("3"))}, 0, 0);
  // Node 2 (right, members) becomes a numeric split on feature 1 at 1.0f.
  t.left_children = {1, -1, 3, -1, -1};
  t.right_children = {2, -1, 4, -1, -1};
  t.split_features = {0, 0, 1, 0, 0};
  t.split_kinds = {SplitKind::Categorical, SplitKind::LessEqual, SplitKind::LessEqual, SplitKind::LessEqual,
                   SplitKind::LessEqual};
  t.thresholds = {0, 0, 1.0, 0, 0};
  t.default_left = {0, 0, 0, 0, 0};
  t.missing_rules.assign(5, MissingRule::NanToDefault);
  t.leaf_values = {0, 5, 0, 30, 40};
  ir::Model m = model_of({t}, 2);
  m.ensemble.category_rule.key = ir::CategoryKey::DecimalHash;
  m.ensemble.category_rule.limit = 4294967296.0;
  const Model model = load(m);
  // 1 + 1e-12 rounds to 1.0f <= 1.0: left (30); category 4 is not a member: 5.
  EXPECT_EQ(margins(model, {3, 1 + 1e-12, 3, 1.5, 4, 0}), (std::vector<double>{30, 40, 5}));
}

// ---------------------------------------------------------------------------
// Category labels (LightGBM pandas_categorical)

// Features "city" (labels) and "x". Two trees on the city code so that codes 0, 1, 2
// and missing give four different sums:
//   tree A: code <= 0.5 -> 1 else 2 (NaN left: 1); tree B: code <= 1.5 -> 10 else 20 (NaN right: 20)
//   code 0: 11, code 1: 12, code 2: 22, missing: 21.
ir::Model labelled_model() {
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0.5, 1, 2, true), stump(SplitKind::LessEqual, 1.5, 10, 20)}, 2);
  m.feature_names = {"city", "x"};
  m.feature_types = {ir::FeatureType::Categorical, ir::FeatureType::Numeric};
  m.category_labels = {{"oslo", "amsterdam", " amsterdam"}, {}};
  return m;
}

TEST(CategoryLabels, LabelsMapToTheirIndexUnknownToMissing) {
  const Model model = load(labelled_model());
  ASSERT_EQ(model.label_columns(), (std::vector<std::string>{"city"}));
  // Columns in another order than the model's; labels compared as written.
  const CsvTable table = read_csv(
      "x,city\n"
      "1,oslo\n"             // 0
      "2,amsterdam\n"        // 1
      "3, amsterdam\n"       // 2: the leading space is part of the label
      "4,\"amsterdam\"\n"    // 1: quotes are not
      "5,amsterdam \n"       // unknown (trailing space)
      "6,paris\n"            // unknown
      "7,\n"                 // empty: missing
      "8,Oslo\r\n"           // unknown (case); the \r of CRLF is not part of it
      "9,oslo\r\n",          // 0
      "t.csv", model.label_columns());
  const std::vector<double> rows = model.rows_from_table(table);
  ASSERT_EQ(rows.size(), 18u);
  const double expected_code[9] = {0, 1, 2, 1, kNaN, kNaN, kNaN, kNaN, 0};
  for (size_t r = 0; r < 9; ++r) {
    if (std::isnan(expected_code[r])) EXPECT_TRUE(std::isnan(rows[2 * r])) << "row " << r << ": " << rows[2 * r];
    else EXPECT_EQ(rows[2 * r], expected_code[r]) << "row " << r;
    EXPECT_EQ(rows[2 * r + 1], static_cast<double>(r + 1)) << "row " << r;
  }
  EXPECT_EQ(margins(model, rows), (std::vector<double>{11, 12, 22, 12, 21, 21, 21, 21, 11}));
}

TEST(CategoryLabels, TableWithoutTheTextColumnIsAClearError) {
  const Model model = load(labelled_model());
  // Read without text columns, "oslo" is not a number.
  const std::string numeric = error_of([&] { read_csv("x,city\n1,oslo\n", "t.csv"); });
  EXPECT_NE(numeric.find("t.csv:2: column \"city\": cannot read \"oslo\""), std::string::npos) << numeric;
  // A table of numbers only (codes already) is refused: the labels would be ignored.
  const CsvTable codes = read_csv("x,city\n1,0\n", "t.csv");
  const std::string e = error_of([&] { model.rows_from_table(codes); });
  EXPECT_NE(e.find("column \"city\" holds category labels"), std::string::npos) << e;
  EXPECT_NE(e.find("label_columns"), std::string::npos) << e;
  // A table without the column at all names it.
  const std::string missing = error_of([&] { read_csv("x\n1\n", "t.csv", model.label_columns()); });
  EXPECT_NE(missing.find("no column named \"city\""), std::string::npos) << missing;
}

// ---------------------------------------------------------------------------
// xylem JSON round trip of the new fields

ir::Model new_fields_model() {
  ir::Tree lin = stump(SplitKind::LessEqual, 0.5, 100, 200);
  lin.linear_constants = {0, 0.1, -1.0 / 3};
  lin.linear_offsets = {0, 0, 2, 3};
  lin.linear_features = {0, 1, 1};
  lin.linear_coefficients = {1e-300, 0.30000000000000004, -2.5};
  ir::Tree plain = stump(SplitKind::LessEqual, 0.25, 1, 2);
  plain.output = 1;
  std::vector<ir::Tree> trees = {lin, plain, stump(SplitKind::LessEqual, 0, 3, 4), plain};
  trees[2].output = 0;
  ir::Model m = model_of(trees, 2, 2);  // float32 accumulation: linear parts stay float64
  m.feature_names = {"city", "x"};
  m.feature_types = {ir::FeatureType::Categorical, ir::FeatureType::Numeric};
  m.category_labels = {{"a \"quoted\" label", "ünïcode", "", " space"}, {}};
  m.ensemble.trees_per_iteration = 2;
  m.ensemble.tiny_inputs_are_zero = true;
  m.ensemble.category_rule.key = ir::CategoryKey::DecimalHash;
  m.ensemble.category_rule.limit = 4294967296.0;
  m.output.aggregation = ir::Aggregation::Average;
  m.output.margin_before_average = true;
  m.output.transform = ir::Transform::Softplus;
  return m;
}

TEST(XylemJsonNewFields, RoundTripKeepsEveryNewField) {
  const ir::Model m = new_fields_model();
  ir::validate(m, "m");
  const ir::Model back = round_trip(m);
  EXPECT_EQ(formats::write_xylem_json(back), formats::write_xylem_json(m));
  const ir::Tree& t = back.ensemble.trees[0];
  EXPECT_EQ(t.linear_constants, m.ensemble.trees[0].linear_constants);  // 0.1 and -1/3 exactly
  EXPECT_EQ(t.linear_offsets, m.ensemble.trees[0].linear_offsets);
  EXPECT_EQ(t.linear_features, m.ensemble.trees[0].linear_features);
  EXPECT_EQ(t.linear_coefficients, m.ensemble.trees[0].linear_coefficients);
  EXPECT_FALSE(back.ensemble.trees[1].has_linear_leaves());
  EXPECT_EQ(back.ensemble.trees_per_iteration, 2);
  EXPECT_TRUE(back.ensemble.tiny_inputs_are_zero);
  EXPECT_EQ(back.ensemble.category_rule.key, ir::CategoryKey::DecimalHash);
  EXPECT_TRUE(back.output.margin_before_average);
  EXPECT_EQ(back.output.transform, ir::Transform::Softplus);
  EXPECT_EQ(back.category_labels, m.category_labels);
}

TEST(XylemJsonNewFields, EachTransformAndFlagRoundTrips) {
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0, 1, 2)});
  for (ir::Transform tr : {ir::Transform::SignedSquare, ir::Transform::Softplus}) {
    m.output.transform = tr;
    EXPECT_EQ(round_trip(m).output.transform, tr);
  }
  // The false / default values come back as themselves too.
  m.output.margin_before_average = false;
  m.ensemble.tiny_inputs_are_zero = false;
  const ir::Model back = round_trip(m);
  EXPECT_FALSE(back.output.margin_before_average);
  EXPECT_FALSE(back.ensemble.tiny_inputs_are_zero);
  EXPECT_EQ(back.ensemble.trees_per_iteration, 1);
  EXPECT_EQ(back.ensemble.category_rule.key, ir::CategoryKey::Truncate);
  EXPECT_TRUE(back.category_labels.empty());
}

TEST(XylemJsonNewFields, OptionalKeysDefaultWhenAbsent) {
  // A file written before these fields existed reads with the old behaviour.
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0, 1, 2)});
  std::string text = formats::write_xylem_json(m);
  for (const std::string key : {", \"key\": \"truncate\"", ",\n                 \"trees_per_iteration\": 1",
                                ", \"tiny_inputs_are_zero\": false"}) {
    const size_t pos = text.find(key);
    ASSERT_NE(pos, std::string::npos) << key << "\n" << text;
    text.erase(pos, key.size());
  }
  const ir::Model back = formats::read_xylem_json(formats::parse_json_text(text, "old.json"), "old.json");
  EXPECT_EQ(back.ensemble.trees_per_iteration, 1);
  EXPECT_FALSE(back.ensemble.tiny_inputs_are_zero);
  EXPECT_EQ(back.ensemble.category_rule.key, ir::CategoryKey::Truncate);
  EXPECT_FALSE(back.output.margin_before_average);
}

TEST(XylemJsonNewFields, PredictionsSurviveTheRoundTrip) {
  // The loaded model predicts the same after to_xylem_json and back.
  const Model a = load(new_fields_model());
  const Model b = Model::load_from_memory(a.to_xylem_json(), "b.json");
  const std::vector<double> rows = {0.0, 0.1, 1.0, kNaN, kNaN, 1e-36, 0.4, -3};
  EXPECT_EQ(margins(a, rows), margins(b, rows));
  EXPECT_EQ(predict(a, rows), predict(b, rows));
  EXPECT_EQ(margins(a, rows, 1), margins(b, rows, 1));
}

TEST(XylemJsonNewFields, BadValuesAreRejectedByTheReader) {
  ir::Model m = f64_model({stump(SplitKind::LessEqual, 0, 1, 2)});
  const std::string text = formats::write_xylem_json(m);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    const size_t pos = t.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) t.replace(pos, from.size(), to);
    return error_of([&] { Model::load_from_memory(t, "m.json"); });
  };
  EXPECT_NE(with("\"trees_per_iteration\": 1", "\"trees_per_iteration\": 0").find("trees_per_iteration"),
            std::string::npos);
  EXPECT_NE(with("\"key\": \"truncate\"", "\"key\": \"crc32\"").find("\"crc32\""), std::string::npos);
  EXPECT_NE(with("\"transform\": \"identity\"", "\"transform\": \"square\"").find("signed_square"), std::string::npos);
  EXPECT_NE(with("\"tiny_inputs_are_zero\": false", "\"tiny_inputs_are_zero\": \"yes\"").find("tiny_inputs_are_zero"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// Validation of the new fields

std::string validation_error(const ir::Model& m) {
  return error_of([&] { ir::validate(m, "m.json"); });
}

TEST(ValidateNewFields, LinearLeafOffsets) {
  ir::Model good = linear_stump();
  EXPECT_EQ(validation_error(good), "no error");

  ir::Model m = good;
  m.ensemble.trees[0].linear_offsets = {1, 1, 2, 2};
  EXPECT_EQ(validation_error(m), "m.json: trees[0].linear_leaves.offsets[0]: must be 0");

  m = good;
  m.ensemble.trees[0].linear_offsets = {0, 0, 2, 1};  // decreasing
  EXPECT_NE(validation_error(m).find("trees[0].linear_leaves.offsets[3]: offset 1 out of order"), std::string::npos)
      << validation_error(m);

  m = good;
  m.ensemble.trees[0].linear_offsets = {0, 0, 2, 3};  // past the 2 terms
  EXPECT_NE(validation_error(m).find("trees[0].linear_leaves.offsets[3]: offset 3 out of order or past the 2 terms"),
            std::string::npos)
      << validation_error(m);

  m = good;
  m.ensemble.trees[0].linear_offsets = {0, 1, 2, 2};  // the root (internal) has a term
  EXPECT_NE(validation_error(m).find("internal node 0 has linear terms"), std::string::npos) << validation_error(m);

  m = good;
  m.ensemble.trees[0].linear_offsets = {0, 0, 2};  // num_nodes entries instead of num_nodes + 1
  EXPECT_NE(validation_error(m).find("trees[0].linear_leaves.offsets: has 3 entries, expected 4"), std::string::npos)
      << validation_error(m);

  m = good;
  m.ensemble.trees[0].linear_offsets.clear();  // constants without offsets
  EXPECT_NE(validation_error(m).find("linear_leaves.offsets: has 0 entries"), std::string::npos)
      << validation_error(m);

  m = good;
  m.ensemble.trees[0].linear_constants = {0, 1};
  EXPECT_NE(validation_error(m).find("trees[0].linear_leaves.constants: has 2 entries, expected 3"), std::string::npos)
      << validation_error(m);
}

TEST(ValidateNewFields, LinearLeafFeaturesAndCoefficients) {
  ir::Model m = linear_stump();
  m.ensemble.trees[0].linear_features = {0, 2};  // the model has 2 features
  EXPECT_EQ(validation_error(m),
            "m.json: trees[0].linear_leaves.features[1]: feature 2 out of range (model has 2 features)");

  m = linear_stump();
  m.ensemble.trees[0].linear_features = {-1, 1};
  EXPECT_NE(validation_error(m).find("linear_leaves.features[0]: feature -1 out of range"), std::string::npos)
      << validation_error(m);

  m = linear_stump();
  m.ensemble.trees[0].linear_coefficients = {2};
  EXPECT_NE(validation_error(m).find("linear_leaves.coefficients: has 1 entries for 2 features"), std::string::npos)
      << validation_error(m);

  m = linear_stump();
  m.ensemble.trees[0].linear_coefficients = {2, kNaN};
  EXPECT_NE(validation_error(m).find("linear_leaves.coefficients[1]: is not finite"), std::string::npos)
      << validation_error(m);

  m = linear_stump();
  m.ensemble.trees[0].linear_constants[1] = std::numeric_limits<double>::infinity();
  EXPECT_NE(validation_error(m).find("linear_leaves.constants[1]: is not finite"), std::string::npos)
      << validation_error(m);

  m = linear_stump();
  ir::Tree& t = m.ensemble.trees[0];
  t.leaf_size = 2;
  t.leaf_values = {0, 0, 1, 2, 3, 4};
  m.num_outputs = 2;
  m.output.base_scores = {0, 0};
  EXPECT_NE(validation_error(m).find("linear leaves need scalar leaves"), std::string::npos) << validation_error(m);
}

TEST(ValidateNewFields, TreesPerIteration) {
  ir::Model m = three_iterations();  // 6 trees
  EXPECT_EQ(validation_error(m), "no error");
  m.ensemble.trees_per_iteration = 4;
  EXPECT_EQ(validation_error(m),
            "m.json: tree_rules.trees_per_iteration: 4 trees per iteration does not divide the 6 trees");
  m.ensemble.trees_per_iteration = 0;
  EXPECT_NE(validation_error(m).find("tree_rules.trees_per_iteration"), std::string::npos) << validation_error(m);
  m.ensemble.trees_per_iteration = -2;
  EXPECT_NE(validation_error(m).find("tree_rules.trees_per_iteration"), std::string::npos) << validation_error(m);
  m.ensemble.trees_per_iteration = 3;
  EXPECT_EQ(validation_error(m), "no error");
}

TEST(ValidateNewFields, CategoryLabels) {
  ir::Model m = labelled_model();
  EXPECT_EQ(validation_error(m), "no error");
  m.category_labels[0] = {"oslo", "amsterdam", "oslo"};
  EXPECT_EQ(validation_error(m), "m.json: features.category_labels[0]: label \"oslo\" appears twice");
  // Labels that differ only in spaces are different labels.
  m.category_labels[0] = {"oslo", " oslo", "oslo "};
  EXPECT_EQ(validation_error(m), "no error");
  m.category_labels = {{"oslo"}};  // one list for two features
  EXPECT_NE(validation_error(m).find("features.category_labels: has 1 entries for 2 features"), std::string::npos)
      << validation_error(m);
  m = labelled_model();
  m.feature_names.clear();
  EXPECT_NE(validation_error(m).find("category labels need feature names"), std::string::npos) << validation_error(m);
}

}  // namespace
}  // namespace xylem::testing
