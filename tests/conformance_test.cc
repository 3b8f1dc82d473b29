// Conformance: xylem reproduces the training library's own predict() and margin
// outputs on every model under models/ (real files saved by the library, adversarial
// rows: NaN, values on thresholds and their float neighbours, odd categories).
//
// Tolerance, and why it is right: each library sums its leaves in a fixed order and
// precision (XGBoost float32 from the base margin; LightGBM and CatBoost float64),
// and xylem replays exactly that, so margins are expected to be bit-identical; the
// only float operations whose results are not pinned down by IEEE-754 are exp/log in
// the transforms (and XGBoost's base-score link), where libm implementations differ
// by a few ulp. For float32 outputs, 1e-6 relative to max(1, |reference|) is about
// 8 float32 ulp at 1.0; for float64 outputs 1e-12 is about 4500 float64 ulp at 1.0.
// Both absorb libm differences and both are far below any real error: a row sent
// down the wrong branch moves the output by a whole leaf value (typically 1e-3 to
// 1e-1). Class outputs (multi:softmax) must match exactly.
//
// ONNX files (models/onnx/) are held to ONNX Runtime's outputs the same way: ORT sums the
// leaves in float32 (float64 for double tensors) in tree order and xylem replays that, so
// tree scores agree bit for bit; its logistic, softmax and probit run in float32 with its
// own formulas (1 - 1 / (1 + exp(|x|)) below zero, MLAS's approximations), a few float32
// ulp from xylem's, inside the float32 tolerance. Its networks and linear operators are
// float32 GEMMs in MLAS's order: held to the dense bound.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "formats/model_loader.h"
#include "tests/dense_bound.h"
#include "tests/test_support.h"

namespace xylem::testing {
namespace {

class Conformance : public ::testing::TestWithParam<ConformanceCase> {};

void expect_close(const std::vector<double>& got, const CsvTable& want, bool exact, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.values.size()) << what << ": output size";
  const size_t width = want.header.size();
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double ref = want.values[i];
    const double diff = std::fabs(got[i] - ref);
    // Equal values (infinities included) always pass; NaN must meet NaN.
    const bool ok = got[i] == ref || (std::isnan(ref) ? std::isnan(got[i])
                                                      : !exact && diff <= tolerance * std::max(1.0, std::fabs(ref)));
    if (!ok && reported++ < 5)
      ADD_FAILURE() << what << ": row " << i / width << " column " << i % width << ": xylem " << got[i]
                    << ", library " << ref;
  }
  EXPECT_EQ(reported, 0) << what << ": " << reported << " mismatching values";
}

double tolerance(const std::string& precision) { return precision == "float32" ? 1e-6 : 1e-12; }

// Networks and linear models without trees: the library (scikit-learn) sums its dot
// products with BLAS in an order no one pins down, and so does xylem, so neither is
// exact: each is within the first-order rounding bound of the exact forward pass
// (tests/dense_bound.h), and they differ by at most twice it; doubled again for the
// second-order terms. A float64 linear model must also be within 1e-12 relative.
struct DenseTolerance {
  bool applies = false;
  bool linear64 = false;
  std::vector<std::vector<double>> predict, margin;  // per row: per column
};

DenseTolerance dense_tolerance(const Model& model, const std::string& model_file, const ConformanceCase::Expected& e) {
  DenseTolerance t;
  const ir::Model m = formats::load_model_ir(read_file(model_file), model_file, formats::ModelFormat::Auto);
  if (!has_dense_bound(m)) return t;
  t.applies = true;
  t.linear64 = m.has_linear && m.output.accumulation == ir::Precision::Float64;
  CsvTable table = read_csv_file(e.input, model.label_columns());
  const std::vector<double> rows = model.rows_from_table(table);
  const size_t width = static_cast<size_t>(model.num_features());
  for (size_t r = 0; r < table.rows; ++r) {
    std::vector<double> row(rows.begin() + r * width, rows.begin() + (r + 1) * width);
    if (e.float32_rows)
      for (double& x : row) x = static_cast<float>(x);
    DenseBound b = dense_bound(m, row.data());
    t.predict.push_back(b.predictions);
    t.margin.push_back(b.margins);
  }
  return t;
}

void expect_within_bound(const std::vector<double>& got, const CsvTable& want, const std::vector<std::vector<double>>& bound,
                         bool linear64, const std::string& what) {
  ASSERT_EQ(got.size(), want.values.size()) << what << ": output size";
  const size_t width = want.header.size();
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double ref = want.values[i], diff = std::fabs(got[i] - ref);
    const double tol = 4 * bound[i / width][i % width];
    const bool ok = got[i] == ref || (std::isnan(ref) ? std::isnan(got[i]) : diff <= tol) ;
    const bool ok64 = !linear64 || got[i] == ref || diff <= 1e-12 * std::max(1.0, std::fabs(ref));
    if ((!ok || !ok64) && reported++ < 5)
      ADD_FAILURE() << what << ": row " << i / width << " column " << i % width << ": xylem " << got[i] << ", library "
                    << ref << " (bound " << tol << ")";
  }
  EXPECT_EQ(reported, 0) << what << ": " << reported << " mismatching values";
}

// Every engine and instruction set that can run the model, each held to the library.
// The dense tolerance of each row set of a case: the same for every engine, computed once.
std::vector<DenseTolerance> dense_tolerances(const Model& model, const ConformanceCase& c) {
  std::vector<DenseTolerance> tolerances;
  for (const auto& e : c.expected) tolerances.push_back(dense_tolerance(model, c.model_file, e));
  return tolerances;
}

TEST_P(Conformance, PredictAndMarginMatchTheLibrary) {
  const ConformanceCase& c = GetParam();
  const std::vector<DenseTolerance> tolerances = dense_tolerances(Model::load(c.model_file), c);
  for (const EngineVariant& variant : engine_variants()) {
    std::optional<Model> model = load_with(c.model_file, variant);
    if (!model) continue;
    const ModelSummary s = model->summary();
    for (size_t x = 0; x < c.expected.size(); ++x) {
      const auto& e = c.expected[x];
      const std::string what = (e.float32_rows ? " (float32 rows)" : "") + std::string(" [") + model->engine() + "]";
      const DenseTolerance& dense = tolerances[x];
      const bool classes = c.predict_kind == "class_index";
      if (!e.predict.empty()) {
        if (dense.applies && !classes)
          expect_within_bound(predict_expected(*model, e, false), read_csv_file(e.predict), dense.predict,
                              dense.linear64, e.predict + what);
        else
          expect_close(predict_expected(*model, e, false), read_csv_file(e.predict), classes,
                       tolerance(s.output_precision), e.predict + what);
      }
      if (!e.margin.empty()) {
        if (dense.applies)
          expect_within_bound(predict_expected(*model, e, true), read_csv_file(e.margin), dense.margin, dense.linear64,
                              e.margin + what);
        else
          expect_close(predict_expected(*model, e, true), read_csv_file(e.margin), false, tolerance(s.margin_precision),
                       e.margin + what);
      }
    }
  }
}

// The oracle rule: every fast engine gives the reference predictor's numbers bit for
// bit (no tolerance), on every row set of the case, predictions and margins.
TEST_P(Conformance, EnginesMatchTheReferenceBitForBit) {
  const ConformanceCase& c = GetParam();
  LoadOptions reference_options;
  reference_options.engine = "reference";
  const Model reference = Model::load(c.model_file, reference_options);
  const std::vector<DenseTolerance> tolerances = dense_tolerances(reference, c);
  for (const EngineVariant& variant : engine_variants()) {
    std::optional<Model> model = load_with(c.model_file, variant);
    if (!model || model->engine() == "reference") continue;
    for (size_t x = 0; x < c.expected.size(); ++x)
      for (bool margin : {false, true}) {
        const auto& e = c.expected[x];
        const std::vector<double> want = predict_expected(reference, e, margin);
        const std::vector<double> got = predict_expected(*model, e, margin);
        ASSERT_EQ(got.size(), want.size());
        // The dense engine sums in BLAS's order: held to the rounding bound instead.
        const DenseTolerance& dense = tolerances[x];
        if (dense.applies && !(c.predict_kind == "class_index" && !margin)) {
          CsvTable as_table;
          as_table.header.assign(got.size() / std::max<size_t>(dense.margin.size(), 1), "");
          as_table.values = want;
          expect_within_bound(got, as_table, margin ? dense.margin : dense.predict, false,
                              model->engine() + " " + e.input + (margin ? " margin" : " predict"));
          continue;
        }
        size_t bad = 0;
        for (size_t i = 0; i < got.size(); ++i)
          if (!(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))) && bad++ < 3)
            ADD_FAILURE() << model->engine() << " " << e.input << (margin ? " margin" : " predict") << " value " << i
                          << ": " << got[i] << " vs reference " << want[i];
        EXPECT_EQ(bad, 0u) << model->engine() << " " << e.input;
      }
  }
}

// Writing xylem JSON and reading it back must not change a single bit.
TEST_P(Conformance, XylemJsonRoundTripIsBitIdentical) {
  const ConformanceCase& c = GetParam();
  Model original = Model::load(c.model_file);
  std::string text = original.to_xylem_json();
  Model reloaded = Model::load_from_memory(text, "roundtrip.json");
  EXPECT_EQ(reloaded.to_xylem_json(), text);
  for (bool margin : {false, true}) {
    std::vector<double> a = predict_csv(original, c.expected[0].input, margin);
    std::vector<double> b = predict_csv(reloaded, c.expected[0].input, margin);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << "value " << i;
  }
}

// Threads split rows; each row's result must not depend on the split. The rows are
// repeated to a batch large enough for the pool to split it.
TEST_P(Conformance, ThreadsGiveTheSameNumbers) {
  const ConformanceCase& c = GetParam();
  Model model = Model::load(c.model_file);
  CsvTable table = read_csv_file(c.expected[0].input, model.label_columns());
  const std::vector<double> wide = model.rows_from_table(table);
  std::vector<float> rows;
  while (rows.size() < 3000 * static_cast<size_t>(model.num_features()) || rows.empty())
    rows.insert(rows.end(), wide.begin(), wide.end());
  const size_t n = rows.size() / std::max(model.num_features(), 1);
  std::vector<double> one(n * model.output_width()), three(one.size());
  model.predict(rows.data(), n, one.data());
  PredictOptions options;
  options.threads = 3;
  model.predict(rows.data(), n, three.data(), options);
  for (size_t i = 0; i < one.size(); ++i)
    ASSERT_TRUE(one[i] == three[i] || (std::isnan(one[i]) && std::isnan(three[i])))
        << "value " << i << " of " << one.size() << ": " << one[i] << " (1 thread) vs " << three[i] << " (3 threads)";
}

std::string case_name(const ::testing::TestParamInfo<ConformanceCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Models, Conformance, ::testing::ValuesIn(conformance_cases()), case_name);

// The fast engines must actually run the suite: a capability check that refused
// everything would make the engine tests above pass vacuously.
TEST(ConformanceSuite, FastEnginesRunMostModels) {
  size_t cases = 0, array = 0, nodes = 0, quantized = 0, dense_cases = 0, dense = 0;
  for (const ConformanceCase& c : conformance_cases()) {
    // Networks and linear models without trees: the dense engine runs every one of them.
    const std::string bytes = read_file(c.model_file);
    if (has_dense_bound(formats::load_model_ir(bytes, c.model_file, formats::ModelFormat::Auto))) {
      ++dense_cases;
      bool everywhere = true;
      for (const std::string& isa : cpu_isas()) everywhere &= load_with(c.model_file, {"dense", isa, false}).has_value();
      dense += everywhere;
      continue;
    }
    ++cases;
    array += load_with(c.model_file, {"tree_array", "portable", false}).has_value();
    quantized += load_with(c.model_file, {"tree_array", "portable", true}).has_value();
    nodes += load_with(c.model_file, {"tree_nodes", "auto", false}).has_value();
  }
  // What stays with the reference predictor: gblinear models, LightGBM linear trees and
  // CatBoost one-hot splits; tree_array also leaves categorical splits to tree_nodes.
  EXPECT_GE(nodes, cases * 90 / 100) << nodes << " of " << cases;
  EXPECT_GE(array, cases * 80 / 100) << array << " of " << cases;
  EXPECT_EQ(quantized, array);
  EXPECT_GE(dense_cases, 25u);
  EXPECT_EQ(dense, dense_cases);
}

TEST(ConformanceSuite, HasTheExpectedCoverage) {
  // A suite that silently found no models would pass everything.
  auto cases = conformance_cases();
  EXPECT_GE(cases.size(), 300u);
  for (const char* tag : {"xgboost_1.7.6", "xgboost_2.1.4", "xgboost_3.2.0", "xgboost_3.4.1", "lightgbm_3.3.5", "lightgbm_4.7.0",
                          "catboost_1.2.10", "scikit-learn_1.9.1", "scikit-learn_1.2.2", "onnxruntime_1.32.0"}) {
    std::string prefix;
    for (const char* ch = tag; *ch; ++ch) prefix += std::isalnum(static_cast<unsigned char>(*ch)) ? *ch : '_';
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const auto& c) { return c.name.rfind(prefix, 0) == 0; }))
        << "no cases for " << tag;
  }
  // The rules the issue names must each have a case (a renamed directory must not drop one silently).
  for (const char* name : {"lightgbm_4_7_0_linear_tree_model_txt", "lightgbm_4_7_0_rf_binary_model_txt",
                           "lightgbm_4_7_0_missing_zero_model_txt", "lightgbm_4_7_0_missing_none_model_txt",
                           "lightgbm_4_7_0_missing_nan_model_txt", "lightgbm_4_7_0_categorical_onehot_and_bitset_model_txt",
                           "lightgbm_4_7_0_pandas_categorical_model_txt", "lightgbm_4_7_0_early_stopping_model_best_txt",
                           "lightgbm_4_7_0_multiclassova_model_dump_json", "catboost_1_2_10_symmetric_logloss_model_json",
                           "catboost_1_2_10_depthwise_multiclass_model_json", "catboost_1_2_10_lossguide_rmse_model_json",
                           "catboost_1_2_10_onehot_symmetric_logloss_model_json", "catboost_1_2_10_nan_max_symmetric_model_json",
                           // scikit-learn: each estimator family, each MLP activation, the pipelines of the issue
                           "scikit_learn_1_9_1_linear_regression_model_json", "scikit_learn_1_9_1_ridge_multi_target_model_json",
                           "scikit_learn_1_9_1_lasso_model_json", "scikit_learn_1_9_1_elastic_net_model_json",
                           "scikit_learn_1_9_1_logistic_binary_model_json", "scikit_learn_1_9_1_logistic_multinomial_model_json",
                           "scikit_learn_1_9_1_logistic_ovr_model_json", "scikit_learn_1_9_1_linear_svc_binary_model_json",
                           "scikit_learn_1_9_1_linear_svc_multiclass_model_json", "scikit_learn_1_9_1_sgd_hinge_multiclass_model_json",
                           "scikit_learn_1_9_1_sgd_log_loss_binary_model_json", "scikit_learn_1_9_1_mlp_classifier_identity_model_json",
                           "scikit_learn_1_9_1_mlp_classifier_logistic_model_json", "scikit_learn_1_9_1_mlp_classifier_tanh_model_json",
                           "scikit_learn_1_9_1_mlp_classifier_relu_model_json", "scikit_learn_1_9_1_mlp_regressor_identity_model_json",
                           "scikit_learn_1_9_1_mlp_regressor_logistic_model_json", "scikit_learn_1_9_1_mlp_regressor_tanh_model_json",
                           "scikit_learn_1_9_1_mlp_regressor_relu_model_json", "scikit_learn_1_9_1_mlp_regressor_float32_relu_model_json",
                           "scikit_learn_1_9_1_mlp_classifier_float32_tanh_model_json",
                           "scikit_learn_1_9_1_pipeline_scaler_logistic_model_json",
                           "scikit_learn_1_9_1_pipeline_scaler_mlp_classifier_model_json",
                           "scikit_learn_1_9_1_pipeline_preprocess_mixed_model_json",
                           // issue 6: each estimator by both routes (exporter JSON with scikit-learn's numbers, two
                           // scikit-learn versions; ONNX with ONNX Runtime's numbers), plus LightGBM and XGBoost via ONNX
                           "scikit_learn_1_9_1_pipeline_scaler_gradient_boosting_classifier_model_json",
                           "scikit_learn_1_2_2_pipeline_scaler_gradient_boosting_classifier_model_json",
                           "scikit_learn_1_9_1_random_forest_regressor_model_json", "scikit_learn_1_2_2_random_forest_regressor_model_json",
                           "scikit_learn_1_9_1_hist_gradient_boosting_classifier_categorical_model_json",
                           "scikit_learn_1_2_2_hist_gradient_boosting_classifier_categorical_model_json",
                           "scikit_learn_1_9_1_mlp_regressor_relu_model_json",
                           "scikit_learn_1_9_1_decision_tree_classifier_model_json", "scikit_learn_1_2_2_decision_tree_classifier_model_json",
                           "scikit_learn_1_9_1_extra_trees_classifier_model_json", "scikit_learn_1_9_1_gradient_boosting_regressor_model_json",
                           "scikit_learn_1_9_1_hist_gradient_boosting_regressor_missing_model_json",
                           "scikit_learn_1_9_1_isolation_forest_model_json", "scikit_learn_1_2_2_isolation_forest_model_json",
                           "onnxruntime_1_32_0_pipeline_scaler_gradient_boosting_classifier_model_onnx",
                           "onnxruntime_1_32_0_random_forest_regressor_model_onnx",
                           "onnxruntime_1_32_0_hist_gradient_boosting_classifier_categorical_model_onnx",
                           "onnxruntime_1_32_0_mlp_regressor_model_onnx", "onnxruntime_1_32_0_lightgbm_categorical_model_onnx",
                           "onnxruntime_1_32_0_xgboost_binary_model_onnx", "onnxruntime_1_32_0_tree_modes_all_model_onnx",
                           "onnxruntime_1_32_0_tree_ensemble_opset5_small_sets_model_onnx",
                           "onnxruntime_1_32_0_tree_as_tensor_double_input_double_model_onnx",
                           "onnxruntime_1_32_0_tree_classifier_softmax_zero_model_onnx",
                           "onnxruntime_1_32_0_tree_classifier_probit_multiclass_model_onnx",
                           "onnxruntime_1_32_0_tree_classifier_string_labels_model_onnx",
                           "onnxruntime_1_32_0_linear_classifier_binary_none_model_onnx",
                           "onnxruntime_1_32_0_chain_imputer_scaler_normalizer_l2_model_onnx",
                           // issue 18: what XGBoost 3.4 saves and predicts differently, CatBoost class names
                           "xgboost_3_4_1_dart_binary_logistic_model_json", "xgboost_3_4_1_dart_multi_softprob_model_ubj",
                           "xgboost_3_4_1_gbtree_dropout_binary_logistic_model_json",
                           "xgboost_3_4_1_reg_quantileerror_multi_model_json", "xgboost_3_4_1_reg_expectileerror_model_json",
                           "xgboost_3_4_1_reg_expectileerror_multi_model_ubj",
                           "xgboost_3_4_1_multi_output_tree_softprob_model_json", "xgboost_3_4_1_survival_aft_model_json",
                           "xgboost_3_4_1_survival_cox_model_json", "xgboost_3_4_1_rank_ndcg_model_json",
                           "xgboost_3_4_1_categorical_partition_model_json",
                           "catboost_1_2_10_string_classes_multiclass_model_json",
                           "catboost_1_2_10_string_classes_logloss_model_json",
                           "catboost_1_2_10_integer_classes_logloss_model_json"})
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const auto& c) { return c.name == name; })) << name;
}

// What xylem refuses on purpose (models/**/xylem_unsupported.json) must fail to load
// with an error that names it, never load and mispredict.
TEST(ConformanceSuite, UnsupportedFixturesAreRefusedWithTheirReason) {
  const auto& unsupported = unsupported_cases();
  EXPECT_GE(unsupported.size(), 5u);
  for (const auto& [dir, reason] : unsupported) {
    const std::string file = dir + "/model.onnx";
    try {
      Model::load(file);
      ADD_FAILURE() << file << " loaded; expected an error containing: " << reason;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << file << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace xylem::testing
