// Class labels: for every classifier fixture that records the library's own class
// prediction (labels.csv: XGBClassifier.predict, LGBMClassifier's rule, CatBoost's
// prediction_type="Class", scikit-learn's predict, ONNX Runtime's label output), Model::predict_labels and `xylem predict --labels` give
// the same label on every row, text for text. The libraries decide differently at the
// boundary (XGBoost: p > 0.5; CatBoost: margin > 0; ties to the first class), so this
// is exact, not a tolerance.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "tests/test_support.h"

namespace xylem::testing {
namespace {

namespace fs = std::filesystem;

// ONNX Runtime cases whose label output is not the most probable class, so no rule
// that looks at the probabilities reproduces it: ORT takes the label from the raw
// scores (probabilities that saturate to a tie, sigmoid(20) == sigmoid(25) in float32,
// or a probit, pick another class), or by its binary rules (score > 0.5 with positive
// weights; the literal 1 or 0, not the class labels, with weights for both classes).
const std::set<std::string> kOnnxLabelsFromScores = {
    "linear_classifier_binary_none", "linear_classifier_logistic", "linear_classifier_probit",
    "tree_classifier_logistic_class1_only_positive", "tree_classifier_logistic_one_class_positive",
    "tree_classifier_none_class1_only_positive", "tree_classifier_one_class_two_base_values",
    "tree_classifier_probit_binary_class1", "tree_classifier_two_class_weights",
    "tree_classifier_two_class_weights_labels_3_7"};

std::vector<std::string> lines_after_header(const std::string& text) {
  std::vector<std::string> out;
  size_t start = text.find('\n') + 1;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::vector<ConformanceCase> label_cases() {
  std::vector<ConformanceCase> out;
  for (const ConformanceCase& c : conformance_cases())
    if (fs::exists(c.dir + "/labels.csv") && !kOnnxLabelsFromScores.count(fs::path(c.dir).filename().string()))
      out.push_back(c);
  return out;
}

void expect_same_labels(const std::vector<std::string>& got, const std::vector<std::string>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what << ": rows";
  int bad = 0;
  for (size_t r = 0; r < want.size(); ++r)
    if (got[r] != want[r] && bad++ < 5) ADD_FAILURE() << what << ": row " << r << ": xylem " << got[r] << ", library " << want[r];
  EXPECT_EQ(bad, 0) << what;
}

class Labels : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(Labels, ApiMatchesTheLibrary) {
  const ConformanceCase& c = GetParam();
  const std::vector<std::string> want = lines_after_header(read_file(c.dir + "/labels.csv"));
  for (const EngineVariant& variant : engine_variants()) {
    std::optional<Model> model = load_with(c.model_file, variant);
    if (!model) continue;
    CsvTable table = read_csv_file(c.expected[0].input, model->label_columns());
    const std::vector<double> rows = model->rows_from_table(table);
    expect_same_labels(model->predict_labels(rows.data(), table.rows), want, model->engine());
    PredictOptions threads;
    threads.threads = 2;
    expect_same_labels(model->predict_labels(rows.data(), table.rows, threads), want, model->engine() + ", 2 threads");
  }
}

TEST_P(Labels, CliMatchesTheLibrary) {
  const ConformanceCase& c = GetParam();
  const std::vector<std::string> want = lines_after_header(read_file(c.dir + "/labels.csv"));
  const fs::path out = fs::temp_directory_path() / ("xylem_labels_" + c.name + ".csv");
  const std::string command = std::string("'") + XYLEM_CLI + "' predict '" + c.model_file + "' '" + c.expected[0].input +
                              "' --labels -o '" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::vector<std::string> got;
  for (const std::string& line : lines_after_header(read_file(out.string()))) {
    std::string label = line.substr(line.rfind(',') + 1);
    got.push_back(label);
  }
  fs::remove(out);
  expect_same_labels(got, want, "xylem predict --labels");
}

std::string case_name(const ::testing::TestParamInfo<ConformanceCase>& info) { return info.param.name; }
INSTANTIATE_TEST_SUITE_P(Models, Labels, ::testing::ValuesIn(label_cases()), case_name);

// Every classifier fixture of these libraries records its labels (a generator that
// stopped writing them would leave the tests above with nothing to check).
TEST(LabelsSuite, EveryClassifierOfTheseLibrariesIsChecked) {
  size_t checked = 0;
  for (const ConformanceCase& c : conformance_cases()) {
    // (ONNX graphs have a label output only when the converter wrote one: those are in label_cases().)
    const bool covered_library = c.name.rfind("xgboost_", 0) == 0 || c.name.rfind("catboost_", 0) == 0 ||
                                 c.name.rfind("scikit_learn_", 0) == 0 || c.name.rfind("lightgbm_", 0) == 0;
    const std::string task = Model::load(c.model_file).task();
    if (!covered_library || (task != "binary_classification" && task != "multiclass_classification")) continue;
    const bool has = fs::exists(c.dir + "/labels.csv");
    // The one exception: XGBClassifier 1.7 cannot predict with gblinear (no inplace_predict).
    const bool skipped = read_file(c.dir + "/case.json").find("\"labels_skipped\"") != std::string::npos;
    EXPECT_TRUE(has || skipped) << c.name << " has no labels.csv";
    checked += has;
  }
  EXPECT_GE(checked, 150u);
  EXPECT_GE(label_cases().size(), 200u);
}

// CatBoost's default format (save_model(path): "CBM1" + flatbuffers) is refused by name,
// with the way out, for every fixture saved that way, text and embedding features included.
TEST(LabelsSuite, CatBoostBinaryModelsAreRefusedByName) {
  size_t seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(models_dir() + "/catboost")) {
    if (entry.path().extension() != ".cbm") continue;
    ++seen;
    try {
      Model::load(entry.path().string());
      ADD_FAILURE() << entry.path() << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), entry.path().string() +
                                           ": a CatBoost binary model (.cbm), which xylem does not read; save it as JSON "
                                           "instead: model.save_model(\"model.json\", format=\"json\")");
    }
  }
  EXPECT_GE(seen, 30u);
}

}  // namespace
}  // namespace xylem::testing
