// Malformed LightGBM and CatBoost models: every broken file must fail to load with an
// xylem::Error that names the file given to load_from_memory and says where (the line
// of a LightGBM text model, the JSON path of a dump_model() or CatBoost file) and what
// is wrong. Never a crash, a hang, a huge allocation or another exception type.
//
// The inputs are real model files under models/ (as LightGBM 4.7.0 and CatBoost
// 1.2.10 saved them) edited in one place. Line numbers in the expected messages are
// looked up in the file, so they always point at the edited line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "tests/malformed_support.h"
#include "xylem/xylem.h"

namespace xylem {
namespace {

using namespace malformed;

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

const std::string& lgb_text(const std::string& name) { return model_file("lightgbm/4.7.0/" + name + "/model.txt"); }
const std::string& lgb_dump(const std::string& name) { return model_file("lightgbm/4.7.0/" + name + "/model_dump.json"); }
const std::string& cb_json(const std::string& name) { return model_file("catboost/1.2.10/" + name + "/model.json"); }

// binary: 20 trees of 7 leaves, 8 features. Tree=0 is
//   left_child=1 -1 3 -3 -2 -6, right_child=4 2 -4 -5 5 -7, decision_type=2 8 2 2 2 2
// (node 0 -> 1, 4; 1 -> leaf 0, 2; 2 -> 3, leaf 3; 3 -> leaves 2, 4; 4 -> leaf 1, 5; 5 -> leaves 5, 6).
const std::string& binary_txt() { return lgb_text("binary"); }
const std::string& binary_dump() { return lgb_dump("binary"); }
// categorical_onehot_and_bitset: 6 features, Tree=0 has six categorical splits
// (threshold=0 1 2 3 4 5, cat_boundaries=0 2 9 16 17 18 19, 19 cat_threshold words).
const std::string& cat_txt() { return lgb_text("categorical_onehot_and_bitset"); }
const std::string& cat_dump() { return lgb_dump("categorical_onehot_and_bitset"); }
// linear_tree: Tree=1 has linear leaves with num_features=3 2 3 2 2 3 3.
const std::string& linear_txt() { return lgb_text("linear_tree"); }
const std::string& linear_dump() { return lgb_dump("linear_tree"); }
// multiclass: num_class=4, 24 trees.
const std::string& multi_txt() { return lgb_text("multiclass"); }
const std::string& multi_dump() { return lgb_dump("multiclass"); }
// pandas_categorical: three categorical features with pandas labels.
const std::string& pandas_txt() { return lgb_text("pandas_categorical"); }
const std::string& pandas_dump() { return lgb_dump("pandas_categorical"); }

// symmetric_logloss: 20 oblivious trees of depth 5. symmetric_multiclass: depth 4, 4
// classes. onehot_symmetric_logloss: one-hot splits, first split of tree 0 is one-hot.
// depthwise_multiclass: non-symmetric trees with 4-value leaves.
const std::string& cb_symmetric() { return cb_json("symmetric_logloss"); }
const std::string& cb_multiclass() { return cb_json("symmetric_multiclass"); }
const std::string& cb_onehot() { return cb_json("onehot_symmetric_logloss"); }
const std::string& cb_depthwise() { return cb_json("depthwise_multiclass"); }
const std::string& cb_ctr() { return model_file("catboost/1.2.10/unsupported/ctr.json"); }

const std::string kTxt = "model.txt";
const std::string kJson = "model.json";

// "model.txt:<line>: " — where the text reader's errors start.
std::string at_line(int line) { return kTxt + ":" + std::to_string(line) + ": "; }

// ---------------------------------------------------------------------------
// Editing LightGBM text models: key=value lines, in the header or in a Tree=N block
// ---------------------------------------------------------------------------

// Splitting on '\n' and joining back gives the same bytes.
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

// Index of the line "Tree=<tree>".
size_t tree_index(const std::vector<std::string>& lines, int tree) {
  const std::string start = "Tree=" + std::to_string(tree);
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i] == start) return i;
  throw std::logic_error(start + " not found");
}

// Index of the line "<key>=..." in the block of Tree=<tree>, or in the header when tree < 0.
size_t field_index(const std::vector<std::string>& lines, int tree, const std::string& key) {
  size_t i = tree >= 0 ? tree_index(lines, tree) + 1 : 0;
  for (; i < lines.size(); ++i) {
    if (tree >= 0 ? lines[i].empty() : lines[i].rfind("Tree=", 0) == 0) break;
    if (lines[i].rfind(key + "=", 0) == 0) return i;
  }
  throw std::logic_error(key + "= not found in " + (tree >= 0 ? "Tree=" + std::to_string(tree) : "the header"));
}

// 1-based line numbers, as in the error messages.
int tree_line(const std::string& text, int tree) { return static_cast<int>(tree_index(split_lines(text), tree)) + 1; }
int line_of(const std::string& text, int tree, const std::string& key) {
  return static_cast<int>(field_index(split_lines(text), tree, key)) + 1;
}
int line_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0) return static_cast<int>(i) + 1;
  throw std::logic_error("no line starts with " + prefix);
}

std::string field(const std::string& text, int tree, const std::string& key) {
  std::vector<std::string> lines = split_lines(text);
  return lines[field_index(lines, tree, key)].substr(key.size() + 1);
}

std::string set_field(const std::string& text, int tree, const std::string& key, const std::string& value) {
  std::vector<std::string> lines = split_lines(text);
  lines[field_index(lines, tree, key)] = key + "=" + value;
  return join_lines(lines);
}

std::string drop_field(const std::string& text, int tree, const std::string& key) {
  std::vector<std::string> lines = split_lines(text);
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(field_index(lines, tree, key)));
  return join_lines(lines);
}

std::string set_line(const std::string& text, int line, const std::string& value) {
  std::vector<std::string> lines = split_lines(text);
  lines.at(static_cast<size_t>(line) - 1) = value;
  return join_lines(lines);
}

// The space-separated words of a list value.
std::vector<std::string> words(const std::string& value) {
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size();) {
    size_t j = value.find(' ', i);
    if (j == std::string::npos) j = value.size();
    if (j > i) out.push_back(value.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string unwords(const std::vector<std::string>& w) {
  std::string out;
  for (const std::string& s : w) out += (out.empty() ? "" : " ") + s;
  return out;
}

// Word `index` of the list `key` of Tree=<tree> replaced by `value`.
std::string set_word(const std::string& text, int tree, const std::string& key, size_t index, const std::string& value) {
  std::vector<std::string> w = words(field(text, tree, key));
  w.at(index) = value;
  return set_field(text, tree, key, unwords(w));
}

std::string drop_last_word(const std::string& text, int tree, const std::string& key) {
  std::vector<std::string> w = words(field(text, tree, key));
  w.pop_back();
  return set_field(text, tree, key, unwords(w));
}

// ---------------------------------------------------------------------------
// The unedited files load, and the facts the edits below rely on hold.
// ---------------------------------------------------------------------------

TEST(MalformedLightGBMCatBoost, UneditedModelsLoad) {
  for (const std::string* bytes : {&binary_txt(), &binary_dump(), &cat_txt(), &cat_dump(), &linear_txt(), &linear_dump(),
                                   &multi_txt(), &multi_dump(), &pandas_txt(), &pandas_dump(), &cb_symmetric(),
                                   &cb_multiclass(), &cb_onehot(), &cb_depthwise()})
    EXPECT_NO_THROW(Model::load_from_memory(*bytes, "m"));
  EXPECT_EQ(join_lines(split_lines(binary_txt())), binary_txt());
  EXPECT_EQ(set_field(binary_txt(), 0, "left_child", field(binary_txt(), 0, "left_child")), binary_txt());
  EXPECT_EQ(field(binary_txt(), 0, "left_child"), "1 -1 3 -3 -2 -6");
  EXPECT_EQ(field(binary_txt(), 0, "right_child"), "4 2 -4 -5 5 -7");
  EXPECT_EQ(field(binary_txt(), 0, "decision_type"), "2 8 2 2 2 2");
  EXPECT_EQ(field(binary_txt(), 19, "num_leaves"), "7");
  EXPECT_EQ(field(binary_txt(), -1, "max_feature_idx"), "7");
  EXPECT_EQ(words(field(binary_txt(), -1, "tree_sizes")).size(), 20u);
  EXPECT_EQ(field(cat_txt(), 0, "threshold"), "0 1 2 3 4 5");
  EXPECT_EQ(field(cat_txt(), 0, "cat_boundaries"), "0 2 9 16 17 18 19");
  EXPECT_EQ(field(linear_txt(), 1, "num_features"), "3 2 3 2 2 3 3");
  EXPECT_EQ(field(linear_txt(), 1, "leaf_features"), "0 3 5  0 3  0 3 7  0 3  0 3  0 3 5  0 3 7  ");
  EXPECT_EQ(field(multi_txt(), -1, "num_class"), "4");
  EXPECT_EQ(field(multi_txt(), -1, "objective"), "multiclass num_class:4");
  EXPECT_EQ(get_value(binary_dump(), At{"split_index", 2}), "2");
  EXPECT_EQ(get_value(binary_dump(), At{"leaf_index", 0}), "0");
  EXPECT_EQ(get_value(binary_dump(), At{"leaf_index", 1}), "2");
  EXPECT_EQ(get_value(cat_dump(), At{"decision_type"}), "\"==\"");
  EXPECT_EQ(elements(cb_symmetric(), At{"splits", 4}).size(), 5u);
  EXPECT_EQ(elements(cb_multiclass(), At{"splits", 3}).size(), 4u);
  EXPECT_EQ(get_value(cb_onehot(), At{"split_type"}), "\"OneHotFeature\"");
  EXPECT_EQ(elements(cb_depthwise(), At{"value", 1}).size(), 4u);
}

// ---------------------------------------------------------------------------
// LightGBM text model (model.txt)
// ---------------------------------------------------------------------------

TEST(MalformedLightGBMText, MissingLines) {
  const std::string& b = binary_txt();
  const int tree0 = tree_line(b, 0);
  for (const char* key : {"num_leaves", "leaf_value", "split_feature", "threshold", "left_child", "right_child", "num_cat"})
    EXPECT_TRUE(fails_exactly(drop_field(b, 0, key), kTxt, at_line(tree0) + "Tree=0: missing " + key + "=")) << key;
  // Header keys are reported at the first header line.
  EXPECT_TRUE(fails_exactly(drop_field(b, -1, "num_class"), kTxt, at_line(2) + "header: missing num_class="));
  EXPECT_TRUE(fails_exactly(drop_field(b, -1, "max_feature_idx"), kTxt, at_line(2) + "header: missing max_feature_idx="));
  // A tree line without "=".
  EXPECT_TRUE(fails_exactly(set_line(b, line_of(b, 3, "split_gain"), "split_gain"), kTxt,
                            at_line(line_of(b, 3, "split_gain")) + "expected key=value in Tree=3"));
}

TEST(MalformedLightGBMText, ArrayLengthMismatch) {
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(drop_last_word(b, 0, "threshold"), kTxt,
                            at_line(line_of(b, 0, "threshold")) + "Tree=0 threshold: has 5 values, expected 6 (num_leaves=7)"));
  EXPECT_TRUE(fails_exactly(drop_last_word(b, 0, "decision_type"), kTxt,
                            at_line(line_of(b, 0, "decision_type")) +
                                "Tree=0 decision_type: has 5 values, expected 6 (num_leaves=7)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 19, "leaf_value", field(b, 19, "leaf_value") + " 0.5"), kTxt,
                            at_line(line_of(b, 19, "leaf_value")) + "Tree=19 leaf_value: has 8 values, expected 7 (num_leaves=7)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "right_child", "4 2 -4 -5 5 -7 -8"), kTxt,
                            at_line(line_of(b, 0, "right_child")) + "Tree=0 right_child: has 7 values, expected 6 (num_leaves=7)"));
  // num_leaves itself wrong: the first list that disagrees is named.
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "num_leaves", "8"), kTxt,
                            at_line(line_of(b, 0, "leaf_value")) + "Tree=0 leaf_value: has 7 values, expected 8 (num_leaves=8)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "num_leaves", "0"), kTxt,
                            at_line(line_of(b, 0, "num_leaves")) + "num_leaves: 0 out of range [1, 1073741824]"));
}

TEST(MalformedLightGBMText, ChildOutOfRange) {
  const std::string& b = binary_txt();
  const std::string left = at_line(line_of(b, 0, "left_child")) + "Tree=0 left_child: ";
  const std::string right = at_line(line_of(b, 0, "right_child")) + "Tree=0 right_child: ";
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 3 -3 -2 6"), kTxt,
                            left + "node 5: child 6 is not an internal node (there are 6)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 3 -3 -2 -8"), kTxt,
                            left + "node 5: leaf 7 (child -8) out of range (num_leaves=7)"));
  // ~INT64_MIN must not overflow.
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "right_child", "-9223372036854775808 2 -4 -5 5 -7"), kTxt,
                            right + "node 0: leaf 9223372036854775807 (child -9223372036854775808) out of range (num_leaves=7)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "right_child", "4 2 -4 -5 5 99999999999999999999"), kTxt,
                            at_line(line_of(b, 0, "right_child")) +
                                "right_child: value 5 \"99999999999999999999\" is not an integer"));
}

// LightGBM children always come after their parent, so no tree has a cycle; a damaged
// one must be refused at the line of the child list, in LightGBM's terms.
TEST(MalformedLightGBMText, Cycles) {
  const std::string& b = binary_txt();
  const std::string left = at_line(line_of(b, 0, "left_child")) + "Tree=0 left_child: ";
  const std::string right = at_line(line_of(b, 0, "right_child")) + "Tree=0 right_child: ";
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 3 -3 0 -6"), kTxt,
                            left + "node 4: child 0 is the root (the tree has a cycle)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 3 3 -2 -6"), kTxt,
                            left + "node 3: child node 3 is already a child of node 2 (the tree has a cycle or a shared node)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "right_child", "4 2 -4 -5 5 4"), kTxt,
                            right + "node 5: child node 4 is already a child of node 0 (the tree has a cycle or a shared node)"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 3 -3 -2 -2"), kTxt,
                            left + "node 5: child leaf 1 is already a child of node 4 (the tree has a cycle or a shared node)"));
  // Node 3 loops on itself away from the root: every node has one parent, yet node 3
  // (and leaf 4 under it) cannot be reached.
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "left_child", "1 -1 -3 3 -2 -6"), kTxt,
                            left + "node 3 is not reachable from the root"));
}

TEST(MalformedLightGBMText, SplitFeatureOutOfRange) {
  const std::string& b = binary_txt();
  const std::string at = at_line(line_of(b, 0, "split_feature")) + "Tree=0 split_feature: ";
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "split_feature", 3, "8"), kTxt,
                            at + "node 3: feature 8 out of range (the model has 8 features)"));
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "split_feature", 0, "-1"), kTxt,
                            at + "node 0: feature -1 out of range (the model has 8 features)"));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "max_feature_idx", "3"), kTxt,
                            at_line(line_of(b, -1, "feature_names")) + "feature_names: has 8 names for 4 features (max_feature_idx + 1)"));
}

TEST(MalformedLightGBMText, DecisionType) {
  const std::string& b = binary_txt();
  const std::string at = at_line(line_of(b, 0, "decision_type")) + "Tree=0 decision_type: ";
  // Bits 2-3 hold the missing type: 0 None, 1 Zero, 2 NaN; 3 is undefined.
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "decision_type", 3, "14"), kTxt,
                            at + "node 3: missing type 3 in decision_type 14 is not defined"));
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "decision_type", 3, "16"), kTxt,
                            at + "node 3: decision_type 16 is not a LightGBM decision type"));
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "decision_type", 3, "-1"), kTxt,
                            at + "node 3: decision_type -1 is not a LightGBM decision type"));
  // The categorical bit on a tree without categorical splits.
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "decision_type", 3, "3"), kTxt,
                            at_line(line_of(b, 0, "threshold")) +
                                "Tree=0 threshold: node 3: categorical split index 0.58415 out of range (the tree has 0 "
                                "categorical splits)"));
}

TEST(MalformedLightGBMText, NaNThreshold) {
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "threshold", 2, "nan"), kTxt,
                            at_line(line_of(b, 0, "threshold")) + "Tree=0 threshold: node 2: threshold is NaN"));
}

TEST(MalformedLightGBMText, CategoricalSplits) {
  const std::string& c = cat_txt();
  const std::string thr = at_line(line_of(c, 0, "threshold")) + "Tree=0 threshold: ";
  const std::string bounds = at_line(line_of(c, 0, "cat_boundaries")) + "cat_boundaries: ";
  const std::string words_at = at_line(line_of(c, 0, "cat_threshold")) + "cat_threshold: ";
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "threshold", "0 1 2 3 4 6"), kTxt,
                            thr + "node 5: categorical split index 6 out of range (the tree has 6 categorical splits)"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "threshold", "0 1 2 3 4 -1"), kTxt,
                            thr + "node 5: categorical split index -1 out of range (the tree has 6 categorical splits)"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "threshold", "0 1 2 3 4 2.5"), kTxt,
                            thr + "node 5: categorical split index 2.5 out of range (the tree has 6 categorical splits)"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "cat_boundaries", "0 9 2 16 17 18 19"), kTxt,
                            bounds + "value 2 (2) out of order or past the 19 cat_threshold words"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "cat_boundaries", "0 2 9 16 17 18 20"), kTxt,
                            bounds + "value 6 (20) out of order or past the 19 cat_threshold words"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "cat_boundaries", "1 2 9 16 17 18 19"), kTxt, bounds + "must start at 0"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "cat_boundaries", "0 2 9 16 17 18"), kTxt,
                            bounds + "has 6 values, expected num_cat + 1 = 7"));
  EXPECT_TRUE(fails_exactly(set_field(c, 0, "num_cat", "7"), kTxt, bounds + "has 7 values, expected num_cat + 1 = 8"));
  EXPECT_TRUE(fails_exactly(set_word(c, 0, "cat_threshold", 0, "-1"), kTxt, words_at + "-1 is not a uint32 word"));
  EXPECT_TRUE(fails_exactly(set_word(c, 0, "cat_threshold", 0, "4294967296"), kTxt,
                            words_at + "4294967296 is not a uint32 word"));
}

TEST(MalformedLightGBMText, NonNumericTokenNamesItsLine) {
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "left_child", 5, "x"), kTxt,
                            at_line(line_of(b, 0, "left_child")) + "left_child: value 5 \"x\" is not an integer"));
  EXPECT_TRUE(fails_exactly(set_word(b, 7, "leaf_value", 2, "0.1.2"), kTxt,
                            at_line(line_of(b, 7, "leaf_value")) + "leaf_value: value 2 \"0.1.2\" is not a number"));
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "threshold", 1, "1e"), kTxt,
                            at_line(line_of(b, 0, "threshold")) + "threshold: value 1 \"1e\" is not a number"));
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "split_feature", 1, "1.5"), kTxt,
                            at_line(line_of(b, 0, "split_feature")) + "split_feature: value 1 \"1.5\" is not an integer"));
  EXPECT_TRUE(fails_exactly(set_field(b, 0, "num_leaves", "seven"), kTxt,
                            at_line(line_of(b, 0, "num_leaves")) + "num_leaves: expected an integer, found \"seven\""));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "num_class", "1x"), kTxt,
                            at_line(line_of(b, -1, "num_class")) + "num_class: expected an integer, found \"1x\""));
  EXPECT_TRUE(fails_exactly(set_line(b, tree_line(b, 1), "Tree=x"), kTxt,
                            at_line(tree_line(b, 1)) + "Tree: expected an integer, found \"x\""));
  EXPECT_TRUE(fails_exactly(set_line(b, tree_line(b, 1), "Tree=2"), kTxt,
                            at_line(tree_line(b, 1)) + "found Tree=2, expected Tree=1"));
}

TEST(MalformedLightGBMText, Objective) {
  const std::string& b = binary_txt();
  const std::string at = at_line(line_of(b, -1, "objective")) + "objective: ";
  EXPECT_TRUE(fails_at(set_field(b, -1, "objective", "foo"), kTxt, at + "objective \"foo\" is not supported (supported: ",
                       "binary, cross_entropy"));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "objective", "binary sigmoid:x"), kTxt,
                            at + "cannot read the number in \"sigmoid:x\""));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "objective", "binary sigmoid:-1"), kTxt,
                            at + "sigmoid must be positive in \"sigmoid:-1\""));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "objective", "binary sqrt"), kTxt, at + "\"sqrt\" is not valid for objective binary"));
}

TEST(MalformedLightGBMText, ClassesAndTreesPerIteration) {
  const std::string& m = multi_txt();
  const std::string per_iteration = at_line(line_of(m, -1, "num_tree_per_iteration")) + "num_tree_per_iteration: ";
  EXPECT_TRUE(fails_exactly(set_field(m, -1, "num_class", "3"), kTxt,
                            per_iteration + "num_tree_per_iteration=4 differs from num_class=3"));
  EXPECT_TRUE(fails_exactly(set_field(m, -1, "num_tree_per_iteration", "3"), kTxt,
                            per_iteration + "num_tree_per_iteration=3 differs from num_class=4"));
  // Consistent class counts, but 24 trees do not make whole 5-tree iterations.
  std::string five = set_field(set_field(m, -1, "num_class", "5"), -1, "num_tree_per_iteration", "5");
  five = set_field(five, -1, "objective", "multiclass num_class:5");
  EXPECT_TRUE(fails_exactly(five, kTxt, per_iteration + "24 trees are not a whole number of 5-tree iterations"));
  EXPECT_TRUE(fails_exactly(set_field(m, -1, "objective", "multiclass num_class:5"), kTxt,
                            at_line(line_of(m, -1, "objective")) + "objective: \"num_class:5\" disagrees with num_class=4"));
  // Two outputs for a one-output objective.
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(set_field(set_field(b, -1, "num_class", "2"), -1, "num_tree_per_iteration", "2"), kTxt,
                            at_line(line_of(b, -1, "num_class")) + "num_class: num_class=2 with objective binary"));
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "objective", "multiclass"), kTxt,
                            at_line(line_of(b, -1, "num_class")) + "num_class: multiclass needs num_class >= 2"));
}

TEST(MalformedLightGBMText, UnsupportedVersion) {
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "version", "v9"), kTxt,
                            at_line(line_of(b, -1, "version")) +
                                "LightGBM model version \"v9\" is not supported (xylem reads v2, v3 and v4)"));
}

TEST(MalformedLightGBMText, Truncated) {
  const std::string& b = binary_txt();
  // Cut between two trees, and in the middle of a number of a leaf_value line.
  const std::string before_tree5 = b.substr(0, b.find("\nTree=5\n") + 1);
  EXPECT_TRUE(fails_exactly(before_tree5, kTxt,
                            at_line(static_cast<int>(split_lines(before_tree5).size())) +
                                "the file ends before \"end of trees\" (truncated?)"));
  const size_t leaves = b.find("leaf_value=", b.find("Tree=5")) + 20;
  EXPECT_TRUE(fails_exactly(b.substr(0, leaves), kTxt,
                            at_line(line_of(b, 5, "leaf_value")) + "the file ends before \"end of trees\" (truncated?)"));
  // Without its "end of trees" line, the sections after the trees are not trees.
  std::string no_end = b;
  no_end.erase(no_end.find("end of trees\n"), 13);
  EXPECT_TRUE(fails_exactly(no_end, kTxt,
                            at_line(line_starting(no_end, "feature_importances:")) +
                                "expected \"Tree=<index>\" or \"end of trees\""));
  EXPECT_TRUE(fails_exactly("tree\n", kTxt, at_line(2) + "header: missing num_class="));
}

TEST(MalformedLightGBMText, TreeSizes) {
  const std::string& b = binary_txt();
  const std::string at = at_line(line_of(b, -1, "tree_sizes"));
  std::vector<std::string> sizes = words(field(b, -1, "tree_sizes"));
  sizes.pop_back();
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "tree_sizes", unwords(sizes)), kTxt, at + "tree_sizes lists 19 trees, the file has 20"));
  sizes.push_back("861");
  sizes.push_back("861");
  EXPECT_TRUE(fails_exactly(set_field(b, -1, "tree_sizes", unwords(sizes)), kTxt, at + "tree_sizes lists 21 trees, the file has 20"));
}

TEST(MalformedLightGBMText, LinearTree) {
  const std::string& l = linear_txt();
  const std::string counts = at_line(line_of(l, 1, "num_features")) + "num_features: ";
  EXPECT_TRUE(fails_exactly(set_field(l, 1, "num_features", "3 2 3 2 2 3 2"), kTxt,
                            at_line(line_of(l, 1, "leaf_features")) + "leaf_features: has 18 values, num_features adds up to 17"));
  EXPECT_TRUE(fails_exactly(set_field(l, 1, "num_features", "3 2 3 2 2 3 3 0"), kTxt,
                            counts + "has 8 values, expected num_leaves = 7"));
  EXPECT_TRUE(fails_exactly(set_field(l, 1, "num_features", "3 2 3 2 2 3 -3"), kTxt, counts + "count -3 out of range"));
  EXPECT_TRUE(fails_exactly(drop_last_word(l, 1, "leaf_coeff"), kTxt,
                            at_line(line_of(l, 1, "leaf_coeff")) + "leaf_coeff: has 17 values, num_features adds up to 18"));
  EXPECT_TRUE(fails_exactly(set_field(l, 1, "leaf_features", "0 3 5  0 3  0 3 7  0 3  0 3  0 3 5  0 3 9  "), kTxt,
                            at_line(line_of(l, 1, "leaf_features")) +
                                "Tree=1 leaf_features: leaf 6: feature 9 out of range (the model has 8 features)"));
  EXPECT_TRUE(fails_exactly(set_word(l, 1, "leaf_coeff", 0, "inf"), kTxt,
                            at_line(line_of(l, 1, "leaf_coeff")) + "Tree=1 leaf_coeff: leaf 0 coefficient 0 is not finite"));
  EXPECT_TRUE(fails_exactly(set_word(l, 1, "leaf_const", 4, "nan"), kTxt,
                            at_line(line_of(l, 1, "leaf_const")) + "Tree=1 leaf_const: leaf 4 constant is not finite"));
  EXPECT_TRUE(fails_exactly(drop_field(l, 1, "leaf_const"), kTxt, at_line(tree_line(l, 1)) + "Tree=1: missing leaf_const="));
  EXPECT_TRUE(fails_exactly(set_field(l, 1, "is_linear", "2"), kTxt,
                            at_line(line_of(l, 1, "is_linear")) + "is_linear: 2 out of range [0, 1]"));
}

TEST(MalformedLightGBMText, NonFiniteLeafValue) {
  const std::string& b = binary_txt();
  EXPECT_TRUE(fails_exactly(set_word(b, 0, "leaf_value", 0, "nan"), kTxt,
                            at_line(line_of(b, 0, "leaf_value")) + "Tree=0 leaf_value: leaf 0 value is not finite"));
  EXPECT_TRUE(fails_exactly(set_word(b, 7, "leaf_value", 3, "-inf"), kTxt,
                            at_line(line_of(b, 7, "leaf_value")) + "Tree=7 leaf_value: leaf 3 value is not finite"));
  // Beyond double: strtod's infinity, refused the same way.
  EXPECT_TRUE(fails_exactly(set_word(b, 7, "leaf_value", 3, "1e999"), kTxt,
                            at_line(line_of(b, 7, "leaf_value")) + "Tree=7 leaf_value: leaf 3 value is not finite"));
}

TEST(MalformedLightGBMText, PandasCategorical) {
  const std::string& p = pandas_txt();
  const int line = line_starting(p, "pandas_categorical:");
  const std::string at = at_line(line) + "pandas_categorical";
  EXPECT_TRUE(fails_at(set_line(p, line, "pandas_categorical:[[\"oslo\", \"amsterdam\"]"), kTxt, at + ":1:",
                       "unexpected end of input"));
  EXPECT_TRUE(fails_exactly(set_line(p, line, "pandas_categorical:[[\"oslo\", \"amsterdam\"]]"), kTxt,
                            at + ": lists 1 pandas category columns, the model has 3 categorical features: xylem cannot "
                                 "tell which labels belong to which feature"));
  EXPECT_TRUE(fails_at(set_line(p, line, "pandas_categorical:[[\"a\"], [\"b\"], [\"c\"], [\"d\"]]"), kTxt,
                       at + ": lists 4 pandas category columns, the model has 3 categorical features", ""));
  EXPECT_TRUE(fails_exactly(set_line(p, line, "pandas_categorical:[[\"a\"], [[\"b\"]], [\"c\"]]"), kTxt,
                            at + ": category labels must be strings, numbers or booleans"));
  EXPECT_TRUE(fails_exactly(set_line(p, line, "pandas_categorical:{}"), kTxt, at + ": expected a list of lists or null"));
  EXPECT_TRUE(fails_exactly(set_line(p, line, "pandas_categorical:[\"a\", \"b\", \"c\"]"), kTxt,
                            at + ": expected a list of category lists"));
  // Labels map text to categories: a label twice is ambiguous.
  std::string twice = split_lines(p)[static_cast<size_t>(line) - 1];
  twice.replace(twice.find("\"oslo\""), 6, "\"madrid\"");
  EXPECT_TRUE(fails_exactly(set_line(p, line, twice), kTxt, at + ": column 0: label \"madrid\" appears twice"));
}

// ---------------------------------------------------------------------------
// LightGBM dump_model() JSON
// ---------------------------------------------------------------------------

TEST(MalformedLightGBMJson, MissingTreeStructure) {
  EXPECT_TRUE(fails_exactly(rename_key(binary_dump(), At{"tree_structure", 3}, "tree_struct"), kJson,
                            "model.json: tree_info[3]: missing required key \"tree_structure\""));
  EXPECT_TRUE(fails_exactly(rename_key(binary_dump(), At{"tree_info"}, "trees"), kJson,
                            "model.json: unrecognised model: a JSON object that is none of a xylem model (\"format\": "
                            "\"xylem\"), an XGBoost model (\"learner\"), a LightGBM dump_model() (\"name\": \"tree\", "
                            "\"tree_info\") or a CatBoost model (\"features_info\" and \"oblivious_trees\" or \"trees\")"));
}

TEST(MalformedLightGBMJson, NodeTwice) {
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"split_index", 2}, "1"), kJson,
                            "model.json: tree_info[0].tree_structure.left_child.right_child.split_index: split_index 1 "
                            "appears twice"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"leaf_index", 1}, "0"), kJson,
                            "model.json: tree_info[0].tree_structure.left_child.right_child.left_child.left_child."
                            "leaf_index: leaf_index 0 appears twice"));
}

// num_leaves sizes the reader's arrays: a wrong count is refused before it allocates.
TEST(MalformedLightGBMJson, NumLeavesDisagreesWithTheTree) {
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"num_leaves"}, "1073741824"), kJson,
                            "model.json: tree_info[0].num_leaves: num_leaves is 1073741824, tree_structure has 7 leaves"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"num_leaves", 5}, "8"), kJson,
                            "model.json: tree_info[5].num_leaves: num_leaves is 8, tree_structure has 7 leaves"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"num_leaves"}, "1"), kJson,
                            "model.json: tree_info[0].num_leaves: num_leaves is 1, tree_structure has 7 leaves"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"num_leaves"}, "2147483648"), kJson,
                            "model.json: tree_info[0].num_leaves: value 2147483648 out of range [1, 1073741824]"));
}

TEST(MalformedLightGBMJson, UnknownDecisionOrMissingType) {
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"decision_type"}, "\"<\""), kJson,
                            "model.json: tree_info[0].tree_structure.decision_type: unknown decision_type \"<\" (expected "
                            "<= or ==)"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"missing_type"}, "\"Inf\""), kJson,
                            "model.json: tree_info[0].tree_structure.missing_type: unknown missing_type \"Inf\" (expected "
                            "None, Zero or NaN)"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"decision_type"}, "2"), kJson,
                            "model.json: tree_info[0].tree_structure.decision_type: expected a string, found number"));
}

TEST(MalformedLightGBMJson, CategoryList) {
  const std::string at = "model.json: tree_info[0].tree_structure.threshold: malformed category list ";
  const std::string expected = " (expected non-negative integers joined by ||)";
  for (const char* list : {"1||x", "1||", "", "||1", "-1", "1|2", "2147483648"})
    EXPECT_TRUE(fails_exactly(set_value(cat_dump(), At{"threshold"}, std::string("\"") + list + "\""), kJson,
                              at + "\"" + list + "\"" + expected))
        << list;
}

TEST(MalformedLightGBMJson, SplitFeatureOutOfRange) {
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"split_feature"}, "8"), kJson,
                            "model.json: tree_info[0] (split_feature): node 0: feature 8 out of range (the model has 8 "
                            "features)"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"split_feature"}, "-1"), kJson,
                            "model.json: tree_info[0].tree_structure.split_feature: value -1 out of range [0, 2147483647]"));
}

TEST(MalformedLightGBMJson, HeaderAndTrees) {
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"version"}, "\"v9\""), kJson,
                            "model.json: version: LightGBM model version \"v9\" is not supported (xylem reads v2, v3 and v4)"));
  EXPECT_TRUE(fails_at(set_value(binary_dump(), At{"objective"}, "\"foo\""), kJson,
                       "model.json: objective: objective \"foo\" is not supported (supported: ", "binary"));
  EXPECT_TRUE(fails_exactly(drop_last(multi_dump(), At{"tree_info"}), kJson,
                            "model.json: num_tree_per_iteration: 23 trees are not a whole number of 4-tree iterations"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"tree_index", 1}, "5"), kJson,
                            "model.json: tree_info[1].tree_index: tree 1 says it is tree 5"));
  EXPECT_TRUE(fails_exactly(set_value(binary_dump(), At{"leaf_value"}, "NaN"), kJson,
                            "model.json: tree_info[0] (leaf_value): leaf 0 value is not finite"));
  EXPECT_TRUE(fails_exactly(set_value(pandas_dump(), At{"pandas_categorical"}, "[[\"a\"]]"), kJson,
                            "model.json: pandas_categorical: lists 1 pandas category columns, the model has 3 categorical "
                            "features: xylem cannot tell which labels belong to which feature"));
}

TEST(MalformedLightGBMJson, LinearLeaves) {
  // Tree 0 has 7 leaves, so occurrence 7 is a leaf of tree 1 (with coefficients).
  EXPECT_TRUE(fails_at(set_value(linear_dump(), At{"leaf_coeff", 7}, "[]"), kJson, "model.json: tree_info[1] (leaf_coeff): leaf ",
                       " has 0 coefficients for "));
  EXPECT_TRUE(fails_at(rename_key(linear_dump(), At{"leaf_const", 7}, "leaf_constant"), kJson, "model.json: tree_info[1].",
                       ": some leaves of this tree are linear and some are not"));
}

// ---------------------------------------------------------------------------
// CatBoost JSON
// ---------------------------------------------------------------------------

TEST(MalformedCatBoost, UnknownLoss) {
  EXPECT_TRUE(fails_at(set_value(cb_symmetric(), At{"type", 0, "loss_function"}, "\"Foo\""), kJson,
                       "model.json: model_info.params.loss_function: CatBoost loss \"Foo\" is not supported (supported: ",
                       "Logloss"));
}

TEST(MalformedCatBoost, CtrIsRefused) {
  EXPECT_TRUE(fails_exactly(cb_ctr(), kJson,
                            "model.json: features_info.ctrs: CatBoost CTR categorical features (counters over categories, "
                            "one_hot_max_size exceeded) are not supported by xylem; only one-hot categorical features are"));
  // Without the CTR table, the OnlineCtr split itself is refused.
  EXPECT_TRUE(fails_at(set_value(cb_ctr(), At{"ctrs"}, "[]"), kJson, "model.json: oblivious_trees[0].splits[",
                       "].split_type: CatBoost CTR categorical splits (OnlineCtr) are not supported by xylem"));
}

TEST(MalformedCatBoost, Splits) {
  const std::string split0 = "model.json: oblivious_trees[0].splits[0].";
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"split_type"}, "\"Weird\""), kJson,
                            split0 + "split_type: CatBoost split type \"Weird\" is not supported by xylem (supported: "
                                     "FloatFeature, OneHotFeature)"));
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"float_feature_index"}, "99"), kJson,
                            split0 + "float_feature_index: float feature 99 is not in features_info.float_features"));
  EXPECT_TRUE(fails_exactly(rename_key(cb_onehot(), At{"cat_feature_index"}, "cat_index"), kJson,
                            "model.json: oblivious_trees[0].splits[0]: missing required key \"cat_feature_index\""));
  EXPECT_TRUE(fails_exactly(set_value(cb_onehot(), At{"cat_feature_index"}, "7"), kJson,
                            split0 + "cat_feature_index: categorical feature 7 is not in features_info.categorical_features"));
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"border"}, "NaN"), kJson, split0 + "border: border is NaN"));
}

TEST(MalformedCatBoost, LeafValueCount) {
  // Tree 0 also decides the output dimension, so its message differs.
  EXPECT_TRUE(fails_exactly(drop_last(cb_symmetric(), At{"leaf_values"}), kJson,
                            "model.json: oblivious_trees[0].leaf_values: has 31 values for 32 leaves"));
  EXPECT_TRUE(fails_exactly(drop_last(cb_symmetric(), At{"leaf_values", 3}), kJson,
                            "model.json: oblivious_trees[3].leaf_values: has 31 values, expected 32 leaves x 1 dimensions"));
  EXPECT_TRUE(fails_exactly(drop_last(cb_multiclass(), At{"leaf_values", 3}), kJson,
                            "model.json: oblivious_trees[3].leaf_values: has 63 values, expected 16 leaves x 4 dimensions"));
}

TEST(MalformedCatBoost, NonFiniteLeafValue) {
  for (const char* bad : {"NaN", "Infinity", "\"inf\"", "\"nan\""})
    EXPECT_TRUE(fails_exactly(set_element(cb_symmetric(), At{"leaf_values", 2}, 5, bad), kJson,
                              "model.json: oblivious_trees[2].leaf_values[5]: leaf value is not finite"))
        << bad;
  EXPECT_TRUE(fails_exactly(set_element(cb_depthwise(), At{"value", 1}, 2, "NaN"), kJson,
                            "model.json: trees[0].left.left.left.right.value: leaf value is not finite"));
}

TEST(MalformedCatBoost, TwoFeaturesInOneColumn) {
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"flat_feature_index", 1}, "0"), kJson,
                            "model.json: features_info.float_features[1].flat_feature_index: column 0 is used by two features"));
  // onehot: categorical_features come first in the file and claim columns 1 and 3.
  EXPECT_TRUE(fails_exactly(set_value(cb_onehot(), At{"flat_feature_index", 2}, "1"), kJson,
                            "model.json: features_info.categorical_features[0].flat_feature_index: column 1 is used by two "
                            "features"));
}

TEST(MalformedCatBoost, ScaleAndBias) {
  const std::string& s = cb_symmetric();
  const At sb{"scale_and_bias"};
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[1]"), kJson, "model.json: scale_and_bias: expected [scale, [bias, ...]]"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[1, [0], 3]"), kJson, "model.json: scale_and_bias: expected [scale, [bias, ...]]"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "{}"), kJson, "model.json: scale_and_bias: expected an array, found object"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[[1], [0]]"), kJson, "model.json: scale_and_bias[0]: expected a number, found array"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[Infinity, [0]]"), kJson, "model.json: scale_and_bias[0]: scale is not finite"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[1, [NaN]]"), kJson, "model.json: scale_and_bias[1]: bias 0 is not finite"));
  // The bias has one value per output.
  EXPECT_TRUE(fails_exactly(set_value(cb_multiclass(), sb, "[1, [0, 0, 0]]"), kJson,
                            "model.json: scale_and_bias[1]: has 3 biases for 4-dimensional leaves"));
  EXPECT_TRUE(fails_exactly(set_value(s, sb, "[1, [0, 0]]"), kJson,
                            "model.json: scale_and_bias[1]: has 2 biases for 1-dimensional leaves"));
}

TEST(MalformedCatBoost, NonSymmetricLeafLength) {
  // The first leaf decides the dimension (4); the second is checked against it.
  EXPECT_TRUE(fails_exactly(drop_last(cb_depthwise(), At{"value", 1}), kJson,
                            "model.json: trees[0].left.left.left.right.value: has 3 values, the model's leaves have 4"));
  EXPECT_TRUE(fails_exactly(set_value(cb_depthwise(), At{"value", 1}, "0.5"), kJson,
                            "model.json: trees[0].left.left.left.right.value: has 1 values, the model's leaves have 4"));
  EXPECT_TRUE(fails_exactly(set_value(cb_depthwise(), At{"value", 0}, "[]"), kJson,
                            "model.json: trees[0].left.left.left.left.value: a leaf with no values"));
}

// 2^40 leaves must be refused from the split count, not allocated.
TEST(MalformedCatBoost, TooDeep) {
  const std::string& s = cb_symmetric();
  const std::string split = s.substr(elements(s, At{"splits"})[0].first,
                                     elements(s, At{"splits"})[0].second - elements(s, At{"splits"})[0].first);
  auto splits = [&split](int depth) {
    std::string out = "[";
    for (int i = 0; i < depth; ++i) out += (i ? "," : "") + split;
    return out + "]";
  };
  EXPECT_TRUE(fails_exactly(set_value(s, At{"splits", 4}, splits(40)), kJson,
                            "model.json: oblivious_trees[4].splits: depth 40 is beyond what xylem reads (20)"));
  EXPECT_TRUE(fails_at(set_value(s, At{"splits"}, splits(40)), kJson, "model.json: oblivious_trees[0].splits: ",
                       "depth 40 is beyond what xylem reads"));
  EXPECT_TRUE(fails_exactly(set_value(s, At{"splits"}, splits(25)), kJson,
                            "model.json: oblivious_trees[0].splits: depth 25 is beyond what xylem reads (20)"));
  // A non-symmetric tree nested 70 levels deep (within the JSON parser's limit).
  std::string leaf = "{\"value\": [0, 0, 0, 0]}";
  const std::string& d = cb_depthwise();
  const std::string nsplit = get_value(d, At{"split"});
  std::string tree = leaf;
  for (int i = 0; i < 70; ++i) tree = "{\"left\": " + tree + ", \"right\": " + leaf + ", \"split\": " + nsplit + "}";
  std::string path = "trees[0]";
  for (int i = 0; i < 65; ++i) path += ".left";
  EXPECT_TRUE(fails_exactly(set_element(d, At{"trees"}, 0, tree), kJson, "model.json: " + path + ": tree deeper than 64 levels"));
}

TEST(MalformedCatBoost, FeaturesInfo) {
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"nan_value_treatment"}, "\"AsNothing\""), kJson,
                            "model.json: features_info.float_features[0].nan_value_treatment: unknown nan_value_treatment "
                            "\"AsNothing\" (expected AsIs, AsFalse or AsTrue)"));
  EXPECT_TRUE(fails_exactly(set_value(cb_symmetric(), At{"feature_index", 1}, "0"), kJson,
                            "model.json: features_info.float_features[1].feature_index: float feature 0 listed twice"));
}

// ---------------------------------------------------------------------------
// A format forced on the wrong file (the CLI's --from)
// ---------------------------------------------------------------------------

TEST(MalformedForcedFormat, WrongLibrary) {
  const LoadOptions as_lightgbm{ModelFormat::LightGBM};
  const LoadOptions as_catboost{ModelFormat::CatBoost};
  const std::string not_lightgbm =
      ": not a LightGBM model (expected a text model starting with \"tree\" or dump_model() JSON with \"name\": \"tree\" "
      "and \"tree_info\")";
  EXPECT_TRUE(fails_exactly(cb_symmetric(), kJson, kJson + not_lightgbm, as_lightgbm));
  EXPECT_TRUE(fails_exactly(model_file("xgboost/3.2.0/binary_logistic/model.ubj"), "model.ubj", "model.ubj" + not_lightgbm,
                            as_lightgbm));
  // The CatBoost importer names the first CatBoost section the document lacks.
  EXPECT_TRUE(fails_at(binary_dump(), kJson, "model.json: (document): ", "", as_catboost));
  EXPECT_TRUE(fails_at(binary_txt(), kTxt, "model.txt: not a model file xylem can read", "LightGBM text", as_catboost));
  // The right library forced loads.
  EXPECT_NO_THROW(Model::load_from_memory(binary_txt(), kTxt, as_lightgbm));
  EXPECT_NO_THROW(Model::load_from_memory(binary_dump(), kJson, as_lightgbm));
  EXPECT_NO_THROW(Model::load_from_memory(cb_symmetric(), kJson, as_catboost));
}

// ---------------------------------------------------------------------------
// Sweeps: damage anywhere loads or fails cleanly
// ---------------------------------------------------------------------------

struct SweepFile {
  const std::string* bytes;
  std::string name;
  // Prefixes up to this length must fail: they lack "end of trees" or the closing brace.
  size_t must_fail_below;
};

std::vector<SweepFile> sweep_files() {
  return {
      {&cat_txt(), "cat.txt", cat_txt().find("end of trees")},
      {&linear_txt(), "linear.txt", linear_txt().find("end of trees")},
      {&cat_dump(), "cat_dump.json", cat_dump().rfind('}')},
      {&cb_onehot(), "onehot.json", cb_onehot().rfind('}')},
      {&cb_depthwise(), "depthwise.json", cb_depthwise().rfind('}')},
  };
}

TEST(MalformedSweep, TruncationsLoadOrFailCleanly) {
  for (const SweepFile& f : sweep_files()) {
    const std::string& bytes = *f.bytes;
    const size_t step = std::max<size_t>(1, bytes.size() / 300);
    for (size_t n = 0; n < bytes.size(); n += step) {
      const std::string_view prefix(bytes.data(), n);
      if (n <= f.must_fail_below) {
        std::string unexpected;
        std::optional<std::string> message = load_error(prefix, f.name, unexpected);
        ASSERT_TRUE(message) << f.name << " cut at " << n << ": " << unexpected;
        ASSERT_EQ(message->rfind(f.name + ":", 0), 0u) << f.name << " cut at " << n << ": " << *message;
      } else {
        ASSERT_TRUE(loads_or_fails_cleanly(prefix, f.name)) << f.name << " cut at " << n;
      }
    }
  }
}

TEST(MalformedSweep, RandomByteDamageLoadsOrFailsCleanly) {
  std::mt19937 rng(20250611);
  for (const SweepFile& f : sweep_files()) {
    for (int i = 0; i < 300; ++i) {
      std::string damaged = *f.bytes;
      const size_t pos = rng() % damaged.size();
      damaged[pos] = static_cast<char>(rng() % 256);
      ASSERT_TRUE(loads_or_fails_cleanly(damaged, f.name)) << f.name << " byte " << pos;
    }
  }
}

// Byte damage mostly breaks number syntax; these edits keep the syntax and change the
// structure: small integers into the index lists of LightGBM trees.
TEST(MalformedSweep, RandomTreeEditsLoadOrFailCleanly) {
  std::mt19937 rng(11);
  const std::string& c = cat_txt();
  const char* keys[] = {"left_child", "right_child", "split_feature", "decision_type", "threshold", "cat_boundaries",
                        "num_leaves", "num_cat"};
  for (int i = 0; i < 400; ++i) {
    const int tree = static_cast<int>(rng() % 20);
    const std::string key = keys[rng() % std::size(keys)];
    if (key == "cat_boundaries" && field(c, tree, "num_cat") == "0") continue;
    const size_t n = words(field(c, tree, key)).size();
    if (n == 0) continue;
    const std::string value = std::to_string(static_cast<int>(rng() % 21) - 10);
    ASSERT_TRUE(loads_or_fails_cleanly(set_word(c, tree, key, rng() % n, value), kTxt))
        << "Tree=" << tree << " " << key << " <- " << value;
  }
}

}  // namespace
}  // namespace xylem
