// XGBoost 3.1+ models trained on pandas categoricals record their categories
// (gradient_booster.model.cats.enc); XGBoost predicts a DataFrame by re-coding its values
// and refuses a value not among them. The fixtures (models/xgboost/*/pandas_categorical)
// hold the values in input.csv; the conformance suite checks the predictions. Here: the
// refusals, and the pre-3.4 files whose non-ASCII names cannot be trusted.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "formats/json_value.h"
#include "formats/json_view.h"
#include "tests/malformed_support.h"
#include "tests/test_support.h"

namespace xylem::testing {
namespace {

namespace fs = std::filesystem;
using namespace xylem::malformed;

std::vector<std::string> pandas_case_dirs() {
  std::vector<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(models_dir() + "/xgboost"))
    if (fs::exists(entry.path() / "pandas_categorical" / "case.json"))
      dirs.push_back((entry.path() / "pandas_categorical").string());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(XGBoostCategories, FixturesExistFrom31) {
  const auto dirs = pandas_case_dirs();
  ASSERT_GE(dirs.size(), 2u);
  for (const std::string& dir : dirs) {
    const ModelSummary s = Model::load(dir + "/model.json").summary();
    EXPECT_EQ(s.category_labels[1].size(), 8u) << dir;  // city
    EXPECT_EQ(s.category_labels[3], (std::vector<std::string>{"404", "101", "1234", "205", "999", "333"})) << dir;
  }
}

// Every value XGBoost refused when the fixture was made (case.json "unseen_categories":
// column, value, XGBoost's error) is refused by xylem too, naming the row, column and value.
TEST(XGBoostCategories, UnseenCategoriesAreRefusedAsXGBoostRefusesThem) {
  for (const std::string& dir : pandas_case_dirs()) {
    const Model model = Model::load(dir + "/model.ubj");
    formats::JsonValue meta = formats::parse_json_text(read_file(dir + "/case.json"), "case.json");
    formats::JsonView unseen(meta, "case.json", "");
    const formats::JsonView list = unseen["unseen_categories"];
    ASSERT_GE(list.size(), 8u);
    if (dir.find("3.4.1") != std::string::npos)
      for (size_t i = 0; i < list.size(); ++i) EXPECT_NE(list[i]["xgboost"].str(), "predicted") << list[i]["value"].str();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string column = list[i]["column"].str(), value = list[i]["value"].str();
      // XGBoost 3.2's recoder predicted some of these ("Berlin", "PLAN_00", unseen integers),
      // as some other category; 3.4 refuses every one (its recoder fix, dmlc/xgboost#12371),
      // and so does xylem, for files of any version.
      std::map<std::string, std::string> cells = {{"age", "30"}, {"city", "oslo"}, {"plan", "plan_01"}, {"zip_code", "404"},
                                                  {"score", "0.5"}};
      cells[column] = value;
      const std::string rows = "age,city,plan,zip_code,score\n" + cells["age"] + "," + cells["city"] + "," + cells["plan"] +
                               "," + cells["zip_code"] + "," + cells["score"] + "\n";
      const CsvTable table = read_csv(rows, "rows.csv", model.label_columns());
      try {
        model.rows_from_table(table);
        ADD_FAILURE() << dir << ": " << column << " = \"" << value << "\" was accepted";
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "data row 1, column \"" + column + "\": category \"" + value +
                                             "\" is not one the model was trained on (" +
                                             std::to_string(model.summary().category_labels[column == "city" ? 1 : column == "plan" ? 2 : 3].size()) +
                                             " known)");
      }
    }
  }
}

TEST(XGBoostCategories, MissingCellsStayMissingAndNumbersMatchByValue) {
  const Model model = Model::load(pandas_case_dirs().back() + "/model.json");
  const std::string rows = "age,city,plan,zip_code,score\n30,,nan,NA,0.5\n30,oslo,plan_01,404.0,0.5\n30,oslo,plan_01,404,0.5\n";
  const CsvTable table = read_csv(rows, "rows.csv", model.label_columns());
  const std::vector<double> x = model.rows_from_table(table);
  ASSERT_EQ(x.size(), 15u);
  EXPECT_TRUE(std::isnan(x[1]) && std::isnan(x[2]) && std::isnan(x[3]));
  EXPECT_EQ(x[5 + 1], 0);   // oslo is category 0
  EXPECT_EQ(x[5 + 3], 0);   // 404.0 is the category 404, code 0
  EXPECT_EQ(x[10 + 3], 0);
}

// Before 3.4 the offsets of string categories counted characters, not bytes: a non-ASCII
// name was saved cut short. The same 3.4.1 file said to be from 3.2.0 is refused.
TEST(XGBoostCategories, NonAsciiNamesBefore34AreRefused) {
  const std::string dir = models_dir() + "/xgboost/3.4.1/pandas_categorical";
  const std::string text = read_file(dir + "/model.json");
  ASSERT_NE(text.find("\"version\":[3,4,1]"), std::string::npos);
  std::string old = text;
  old.replace(old.find("\"version\":[3,4,1]"), 17, "\"version\":[3,2,0]");
  EXPECT_TRUE(fails_with(old, "m.json",
                         {"m.json: learner.gradient_booster.model.cats.enc[1].values: non-ASCII category names saved by "
                          "XGBoost 3.2.0, which recorded them wrongly (fixed in 3.4.0); save the model again with XGBoost "
                          "3.4 or later"}));
  EXPECT_NO_THROW(Model::load_from_memory(text, "m.json"));
}

TEST(XGBoostCategories, MalformedEncodings) {
  const std::string text = read_file(models_dir() + "/xgboost/3.4.1/pandas_categorical/model.json");
  // One entry too few.
  EXPECT_TRUE(fails_with(drop_last(text, At{"enc"}), "m.json",
                         {"learner.gradient_booster.model.cats.enc: has 4 entries for 5 features"}));
  // Offsets past the bytes.
  EXPECT_TRUE(fails_with(set_element(text, At{"offsets", 1}, 3, "100000"), "m.json",
                         {"learner.gradient_booster.model.cats.enc[1].offsets[3]: offset 100000 out of order or past the"}));
}

TEST(XGBoostCategories, UnknownLabelRuleNeedsVersion4) {
  const Model model = Model::load(models_dir() + "/xgboost/3.4.1/pandas_categorical/model.json");
  const std::string xylem = model.to_xylem_json();
  ASSERT_NE(xylem.find("\"unknown_category_label\": \"error\""), std::string::npos);
  EXPECT_TRUE(fails_exactly(set_value(xylem, At{"version"}, "3"), "x.json",
                            "x.json: features.unknown_category_label: unknown_category_label \"error\" needs format version 4 "
                            "(the file says 3)"));
  EXPECT_TRUE(fails_with(set_value(xylem, At{"unknown_category_label"}, "\"ignore\""), "x.json",
                         {"x.json: features.unknown_category_label: unknown value \"ignore\" (expected missing or error)"}));
}

}  // namespace
}  // namespace xylem::testing
