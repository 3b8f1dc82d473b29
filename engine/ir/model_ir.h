// The model IR: one in-memory description of every model xylem runs, whatever
// library trained it. Importers fill it; the xylem JSON format mirrors it field for
// field (docs/format.md); predictors read it. It knows no file format and no kernel.
//
// The numeric rules of each library (comparison operator, precision of inputs,
// thresholds and sums, missing-value and category rules) are data here, so that
// a predictor that follows the IR reproduces the library exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xylem::ir {

enum class Precision : uint8_t { Float32, Float64 };

enum class FeatureType : uint8_t { Numeric, Categorical };

// What a node does with its feature value.
enum class SplitKind : uint8_t {
  Less,         // numeric: go left when value < threshold (XGBoost)
  LessEqual,    // numeric: go left when value <= threshold (LightGBM, scikit-learn, CatBoost)
  Categorical,  // go to categories_side when the value's category is in the node's set
};

// How a numeric node treats NaN (and, for LightGBM, zero).
enum class MissingRule : uint8_t {
  NanToDefault,         // NaN follows default_left (XGBoost, scikit-learn, CatBoost, LightGBM "NaN")
  NanAsZero,            // NaN is compared as 0.0 (LightGBM missing type "None")
  ZeroAndNanToDefault,  // |x| <= 1e-35f or NaN follows default_left (LightGBM missing type "Zero")
};

// Upper bound on the input width: far above real models (Epsilon has 2000 features,
// hashed text a few million), low enough that an absurd count in a file is an error
// rather than gigabytes of per-feature metadata.
inline constexpr int32_t kMaxFeatures = 1 << 24;

// The float LightGBM uses for "is zero": the float literal 1e-35f widened to double.
inline constexpr double kZeroThreshold = static_cast<double>(1e-35f);

// How an input value becomes a category key for categorical nodes (ensemble-wide).
// A NaN value follows the node's default_left.
//  - Truncate (XGBoost, LightGBM): the value cut toward zero is the key; the value is
//    invalid when it is negative (or, with negative_fraction_is_zero, when it is <= -1)
//    or >= limit.
//  - DecimalHash (CatBoost): the value must be an integer (in int64 range); the key is
//    CityHash64 (v1.0) of its decimal text, e.g. "-3", truncated to 32 bits, which is
//    what CatBoost computes for an integer category. Any other value is invalid. The
//    value is the input as given, never rounded to float32 (10000000001 stays itself).
enum class CategoryKey : uint8_t { Truncate, DecimalHash };

struct CategoryRule {
  bool negative_fraction_is_zero = false;  // -0.5 -> category 0 (LightGBM) or invalid (XGBoost)
  double limit = 16777216.0;               // 2^24: XGBoost's largest exact float category
  bool invalid_to_default = false;         // invalid -> default_left side, else the side of non-members
  CategoryKey key = CategoryKey::Truncate;
};

// One decision tree in struct-of-arrays form. Node 0 is the root. A leaf has
// left_children[i] == -1. Arrays of per-node data all have num_nodes() entries.
struct Tree {
  std::vector<int32_t> left_children;
  std::vector<int32_t> right_children;
  std::vector<int32_t> split_features;
  std::vector<SplitKind> split_kinds;
  std::vector<double> thresholds;          // numeric nodes; exact floats when threshold precision is float32
  std::vector<uint8_t> default_left;       // where missing values go
  std::vector<MissingRule> missing_rules;  // numeric nodes
  // Leaf outputs, leaf_size values per node (node-major); internal nodes hold 0.
  std::vector<double> leaf_values;
  // Categorical nodes: the sorted category set of node categorical_nodes[k] is category_sets[k].
  std::vector<int32_t> categorical_nodes;
  std::vector<std::vector<uint32_t>> category_sets;

  // Linear leaves (LightGBM linear_tree). When present, leaf i outputs
  //   linear_constants[i] + sum of linear_coefficients[k] * x[linear_features[k]]
  // for k in [linear_offsets[i], linear_offsets[i + 1]), summed in that order in
  // float64 on the unrounded input, or leaf_values[i] when one of those inputs is NaN.
  // Empty for ordinary trees; only scalar leaves (leaf_size 1) have them.
  std::vector<double> linear_constants;     // num_nodes (internal nodes hold 0)
  std::vector<int32_t> linear_offsets;      // num_nodes + 1
  std::vector<int32_t> linear_features;
  std::vector<double> linear_coefficients;

  int32_t leaf_size = 1;  // 1: adds to output `output`; K > 1: adds a vector to outputs 0..K-1
  int32_t output = 0;     // the output (class, target) a scalar-leaf tree adds to
  double weight = 1.0;    // multiplies the leaf (DART); 1.0 leaves it untouched

  int32_t num_nodes() const { return static_cast<int32_t>(left_children.size()); }
  bool is_leaf(int32_t node) const { return left_children[node] == -1; }
  bool has_linear_leaves() const { return !linear_offsets.empty(); }
};

struct TreeEnsemble {
  std::vector<Tree> trees;
  Precision input_precision = Precision::Float32;      // inputs rounded to float32 before comparing
  Precision threshold_precision = Precision::Float32;  // thresholds are exact floats
  bool categories_go_right = true;                     // XGBoost: set -> right; LightGBM: set -> left
  CategoryRule category_rule;
  // LightGBM reads rows as sparse (feature, value) pairs and drops values with
  // |x| <= kZeroThreshold, so such inputs (-0.0, 1e-36, -1e-35f) reach the trees, and
  // linear leaves, as exactly 0.0.
  bool tiny_inputs_are_zero = false;
  // Trees are stored iteration by iteration, this many per boosting iteration (classes x
  // parallel trees), so that a prediction can use only the first N iterations.
  int32_t trees_per_iteration = 1;
};

// margin[k] += sum over present features f of x[f] * weights[f * num_outputs + k], plus bias[k].
// Missing (NaN) inputs contribute nothing, as in XGBoost's gblinear.
struct LinearModel {
  int32_t num_outputs = 1;
  std::vector<double> weights;  // feature-major: num_features * num_outputs
  std::vector<double> bias;     // num_outputs
  Precision input_precision = Precision::Float32;
};

enum class Aggregation : uint8_t {
  Sum,      // boosting
  Average,  // forests: each output divided by the number of trees that add to it
};

// Turns margins into what the library's predict() returns.
enum class Transform : uint8_t {
  Identity,
  Sigmoid,       // 1 / (1 + exp(-alpha * x)), per output
  Softmax,       // over all outputs
  Exp,           // exp(x), per output
  HingeClass,    // x > 0 ? 1 : 0 (XGBoost binary:hinge)
  ArgMaxClass,   // index of the largest margin, first one on ties (XGBoost multi:softmax)
  SignedSquare,  // |x| * x, per output (LightGBM regression with reg_sqrt)
  Softplus,      // log1p(exp(x)), per output (LightGBM cross_entropy_lambda)
};

struct OutputStage {
  Precision accumulation = Precision::Float32;  // sums of leaves and products computed in this precision
  Aggregation aggregation = Aggregation::Sum;
  // With `average`: the margin is taken before the division (LightGBM's raw_score of a
  // random forest is the plain sum; only predict() averages).
  bool margin_before_average = false;
  // Margin-space base scores, one per output. With base_scores_first the sum starts from
  // them (XGBoost); otherwise they are added after aggregation and scale (CatBoost bias).
  std::vector<double> base_scores;
  bool base_scores_first = true;
  double scale = 1.0;  // multiplies the aggregated sum (CatBoost scale_and_bias)
  Transform transform = Transform::Identity;
  Precision transform_precision = Precision::Float32;  // the precision the library's transform uses
  double sigmoid_alpha = 1.0;
};

enum class Task : uint8_t {
  Regression,
  BinaryClassification,
  MulticlassClassification,
  MultiTargetRegression,
  Ranking,
  Survival,
};

// Where the model came from; informational, used by `xylem inspect`.
struct Source {
  std::string library;    // "xgboost"
  std::string version;    // "2.1.4"
  std::string format;     // "json", "ubjson"
  std::string objective;  // the library's own objective name
  std::string booster;    // "gbtree", "dart", "gblinear"
  int64_t best_iteration = -1;  // recorded by early stopping; -1 when absent
};

struct Model {
  int32_t num_features = 0;
  std::vector<std::string> feature_names;  // empty, or num_features names
  std::vector<FeatureType> feature_types;  // num_features entries
  // Per feature, the labels of a categorical feature whose inputs arrive as text
  // (pandas categories saved by LightGBM): label i stands for category i, and an
  // unknown label is missing. Empty (no feature has labels) or num_features lists,
  // empty for features without labels.
  std::vector<std::vector<std::string>> category_labels;
  int32_t num_outputs = 1;                 // width of the margin
  Task task = Task::Regression;
  Source source;
  TreeEnsemble ensemble;                   // may hold no trees
  bool has_linear = false;
  LinearModel linear;
  OutputStage output;
};

// Number of values predict() returns per row (what the library's predict returns).
int32_t prediction_width(const Model& model);

// Bytes the model's arrays hold (an estimate of its memory: contents, not allocator slack).
size_t memory_bytes(const Model& model);

const char* to_string(Task task);
const char* to_string(Transform transform);
const char* to_string(Precision precision);

}  // namespace xylem::ir
