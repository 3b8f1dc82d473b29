// LightGBM models as the library stores them, before they become IR. Both LightGBM
// readers (the text model of save_model and the JSON of dump_model) fill these
// structures; one builder turns them into the IR, so the two files predict alike.
// Semantics: ../shared/reference/formats.md section 2 and docs/format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/ir/model_ir.h"
#include "formats/json_value.h"

namespace xylem::formats::lightgbm {

// Says where a field is in the source file, for error messages:
// "model.txt:57: Tree=3 left_child" or "model.json: tree_info[3].tree_structure".
using Locator = std::function<std::string(const std::string& field)>;

// LightGBM's decision_type bits (include/LightGBM/tree.h).
inline constexpr int kCategoricalMask = 1;
inline constexpr int kDefaultLeftMask = 2;
inline int missing_type_of(int64_t decision_type) { return static_cast<int>((decision_type >> 2) & 3); }
enum MissingType { kMissingNone = 0, kMissingZero = 1, kMissingNaN = 2 };

struct Tree {
  // Internal nodes 0 .. num_leaves - 2; a child < 0 is the leaf ~child.
  int64_t num_leaves = 1;
  std::vector<int64_t> split_feature, decision_type, left_child, right_child;
  std::vector<double> threshold;  // numeric nodes; categorical nodes hold an index into categories
  std::vector<double> leaf_value;  // shrinkage already applied
  // Categorical splits: the categories that go left, one list per categorical split index.
  std::vector<std::vector<uint32_t>> categories;
  // Linear leaves (is_linear=1): per leaf a constant and coefficients on features.
  bool is_linear = false;
  std::vector<double> leaf_const;
  std::vector<std::vector<int64_t>> leaf_features;
  std::vector<std::vector<double>> leaf_coeff;
  Locator where;
};

struct Model {
  std::string version;  // "v4"
  int64_t num_class = 1;
  int64_t num_tree_per_iteration = 1;
  int64_t max_feature_idx = -1;
  std::string objective;  // the objective line, e.g. "binary sigmoid:1"
  bool average_output = false;
  std::vector<std::string> feature_names;
  std::vector<std::string> feature_infos;  // "[min:max]", "none" or "1:3:7" (categorical values)
  std::vector<Tree> trees;
  // The Python package's pandas_categorical: one list of category labels per pandas
  // category column, in column order (null or absent: none).
  std::vector<std::vector<std::string>> pandas_categorical;
  Locator where;
  std::string format;  // "text" or "json"
};

// Reads pandas_categorical (a JSON list of lists of strings or numbers, or null).
std::vector<std::vector<std::string>> read_pandas_categorical(const JsonValue& value, const Locator& where);

// Decodes LightGBM's uint32 bitset words into the sorted list of set bit positions.
std::vector<uint32_t> bitset_members(const std::vector<uint32_t>& words);

// Checks the structure and builds the IR. Throws xylem::Error with the source location.
ir::Model build_ir(const Model& model);

}  // namespace xylem::formats::lightgbm
