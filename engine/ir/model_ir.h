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
//  - ExactInteger (ONNX BRANCH_EQ / NEQ / SET_MEMBER): a value that is an integer in
//    [-2^31, 2^31) has the bits of that int32 as its key (-1 -> 4294967295), valid when
//    below limit; any other value (2.5, 1e10) is invalid, so it equals no category.
enum class CategoryKey : uint8_t { Truncate, DecimalHash, ExactInteger };

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

// margin[k] += bias[k] + sum over features f of x[f] * weights[f * num_outputs + k].
// With skip_missing a NaN input contributes nothing (XGBoost's gblinear); without it
// a NaN makes every output NaN (scikit-learn's linear models reject NaN; xylem
// propagates it rather than invent a value).
struct LinearModel {
  int32_t num_outputs = 1;
  std::vector<double> weights;  // feature-major: num_features * num_outputs
  std::vector<double> bias;     // num_outputs
  Precision input_precision = Precision::Float32;
  bool skip_missing = true;
};

// What a dense layer applies to its outputs.
enum class Activation : uint8_t {
  Identity,
  Relu,       // max(x, 0)
  LeakyRelu,  // x >= 0 ? x : alpha * x
  Tanh,
  Logistic,   // 1 / (1 + exp(-x))
  Softmax,    // over the layer's outputs: exp(x - max) / sum
  Gelu,       // x * (1 + erf(x / sqrt(2))) / 2
};

// Symmetric per-output-channel int8 weights: weight[o][i] ~ values[o * inputs + i] *
// scales[o], values in [-127, 127]. The layer's input is quantized as well, over L
// levels (127, or 255 with unsigned_input, for inputs that cannot be negative: after
// relu, logistic or softmax), with one scale per row (max |a| / L, dynamic) or the
// static input_scale measured on calibration rows: q = clamp(rint(a * r), -L or 0, L)
// (docs/format.md gives r). The products are summed exactly in int32, then
// out[o] = float(acc) * (input scale * scales[o]) + bias[o], in float32.
inline constexpr int32_t kMaxInt8Inputs = 1 << 16;  // 255 * 127 * 2^16 < 2^31: int32 sums never overflow
struct Int8Weights {
  std::vector<int8_t> values;  // outputs x inputs, output-major
  std::vector<double> scales;  // outputs (exact floats)
  bool static_input_scale = false;
  double input_scale = 0;      // with static_input_scale: an exact float > 0
  bool unsigned_input = false;
};

// out = activation(in * W + bias), W inputs x outputs.
struct DenseLayer {
  int32_t inputs = 0;
  int32_t outputs = 0;
  std::vector<double> weights;  // inputs x outputs, input-major (scikit-learn's coefs_[i]); empty when int8
  std::vector<double> bias;     // outputs
  Activation activation = Activation::Identity;
  double alpha = 0.01;          // LeakyRelu's slope
  bool has_int8 = false;
  Int8Weights int8;
};

// A multi-layer perceptron: layers applied in order, all in `precision` (weights,
// products, sums and activations), the last layer's outputs are the margins. NaN
// inputs propagate.
struct Network {
  std::vector<DenseLayer> layers;
  Precision precision = Precision::Float32;
};

// Preprocessing: steps applied in order, in float64, to the caller's row before the
// estimator sees it (scikit-learn's Pipeline). Each step maps a row of `inputs`
// values to a row of step_outputs(step) values.
enum class StepKind : uint8_t {
  StandardScale,   // x = (x - offsets[c]) / scales[c]        (StandardScaler)
  MinMaxScale,     // x = x * scales[c] + offsets[c], then clamp to [clip_min, clip_max] when clip (MinMaxScaler)
  MaxAbsScale,     // x = x / scales[c]                       (MaxAbsScaler)
  ImputeConstant,  // NaN in column c becomes values[c]       (SimpleImputer)
  OneHot,          // columns[k] is replaced, in place, by one indicator per categories[k] (OneHotEncoder)
  SelectColumns,   // output j is input columns[j]            (column selection and reordering)
  ShiftScale,      // x = (x - offsets[c]) * scales[c]        (ONNX Scaler)
  Normalize,       // the row divided by its L1 norm, L2 norm or maximum, unless that is 0 (ONNX Normalizer)
};

enum class Norm : uint8_t { L1, L2, Max };

// OneHot: a value equal to categories[k][j] sets indicator j to 1; a value that is in no
// category (an unseen one, or NaN) leaves all of them 0 (handle_unknown="ignore").
struct Step {
  StepKind kind = StepKind::StandardScale;
  int32_t inputs = 0;
  std::vector<double> offsets, scales, values;  // per input column, as the kind uses them
  bool clip = false;
  double clip_min = 0, clip_max = 1;
  std::vector<int32_t> columns;
  std::vector<std::vector<double>> categories;  // OneHot: per listed column, sorted, distinct, no NaN
  Norm norm = Norm::L2;                         // Normalize
  // Float64: each step computes in double (scikit-learn). Float32: its inputs, its
  // constants and each operation's result are float32 (ONNX Runtime on a float tensor).
  Precision precision = Precision::Float64;
};

int32_t step_outputs(const Step& step);

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
  SigmoidPair,   // one margin -> [1 - p, p], p = sigmoid(x) (scikit-learn's binary predict_proba)
  NormalizedSigmoid,  // p_k = sigmoid(x_k) / sum of them (scikit-learn's one-vs-rest predict_proba)
  // ONNX Runtime's post transforms, in its float32 formulas (onnxruntime ml_common.h):
  SoftmaxZero,     // softmax over the outputs whose |x| > 1e-7; the others become x * exp(-max) / sum
  Probit,          // sqrt(2) * erfinv(2x - 1), per output, with ORT's approximate erfinv
  NegatedPair,     // one margin -> [-x, x] (a binary tree classifier with one class's weights, no transform)
  ComplementPair,  // one margin -> [1 - x, x] (a binary classifier whose weights are all positive)
  // XGBoost's non-crossing multi-output regression, float32 (src/objective/*_obj.cu):
  SortAscending,       // each row's outputs sorted ascending, by insertion sort (reg:quantileerror, 3.4+)
  CumulativeSoftplus,  // p_0 = x_0; p_k = p_{k-1} + (1e-6 + softplus(x_k)) (reg:expectileerror, 3.3+)
};

// How a classifier's predicted class follows from its outputs: the library's own rule
// for predict(), which differs from the others at ties and on the decision boundary.
enum class LabelRule : uint8_t {
  // The class index itself (argmax_class; hinge_class's 0/1), else the first largest
  // prediction, or for one column (the second class's probability) class 1 when it is
  // > 0.5 (XGBClassifier, LGBMClassifier, scikit-learn's trees, forests and MLPs).
  Auto,
  MarginPositive,     // one margin: class 1 when it is > 0 (CatBoost, scikit-learn linear models)
  MarginNonNegative,  // one margin: class 1 when it is >= 0 (scikit-learn GradientBoostingClassifier)
  ArgMaxMargin,       // the first largest margin (CatBoost multiclass, scikit-learn decision_function)
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
  LabelRule label_rule = LabelRule::Auto;  // classifiers only
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
  // Preprocessing: the caller's rows (steps[0].inputs values, named input_names: empty
  // or one name each) go through the steps; without steps they go straight to the
  // estimator. See input_width() and input_names_of().
  std::vector<Step> steps;
  std::vector<std::string> input_names;
  // The estimator's input, after the steps.
  int32_t num_features = 0;
  std::vector<std::string> feature_names;  // empty, or num_features names
  std::vector<FeatureType> feature_types;  // num_features entries
  // Per feature, the labels of a categorical feature whose inputs arrive as text
  // (pandas categories saved by LightGBM): label i stands for category i, and an
  // unknown label is missing. Empty (no feature has labels) or num_features lists,
  // empty for features without labels.
  std::vector<std::vector<std::string>> category_labels;
  // What a label that is not among them means: missing (LightGBM, where pandas codes it
  // -1), or an error naming it (XGBoost 3.1+, which refuses a category not in the
  // training set).
  bool unknown_category_label_is_error = false;
  int32_t num_outputs = 1;                 // width of the margin
  Task task = Task::Regression;
  // Classifiers: the label of each class, in the order of the probability columns (or of
  // the class index); integer labels as decimal text. Empty: classes are 0..K-1.
  std::vector<std::string> class_labels;
  bool class_labels_are_numbers = false;
  Source source;
  TreeEnsemble ensemble;                   // may hold no trees
  bool has_linear = false;
  LinearModel linear;
  bool has_network = false;  // an MLP: then there are no trees and no linear part
  Network network;
  OutputStage output;
};

// Number of values predict() returns per row (what the library's predict returns).
int32_t prediction_width(const Model& model);

// The width of the caller's rows (steps[0].inputs, or num_features without steps) and
// their names (input_names, or feature_names without steps).
int32_t input_width(const Model& model);
const std::vector<std::string>& input_names_of(const Model& model);

// The model without its preprocessing steps: what the estimator alone predicts from
// preprocessed rows (num_inputs == num_features).
Model estimator_only(const Model& model);

const char* to_string(Activation activation);
const char* to_string(StepKind kind);

// Bytes the model's arrays hold (an estimate of its memory: contents, not allocator slack).
size_t memory_bytes(const Model& model);

const char* to_string(Task task);
const char* to_string(Transform transform);
const char* to_string(LabelRule rule);
const char* to_string(Precision precision);

}  // namespace xylem::ir
