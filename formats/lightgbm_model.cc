#include "formats/lightgbm_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "xylem/error.h"

namespace xylem::formats::lightgbm {
namespace {

using ir::Precision;
using ir::Task;
using ir::Transform;

[[noreturn]] void fail(const Locator& where, const std::string& field, const std::string& what) {
  throw Error(where(field) + ": " + what);
}

struct ObjectiveRule {
  Task task;
  Transform transform;
};

// ConvertOutput of each objective (src/objective/*.hpp). Every regression objective
// inherits RegressionL2loss's output, including its reg_sqrt inverse, except the
// log-link ones, which always exponentiate.
const std::map<std::string, ObjectiveRule, std::less<>>& objective_rules() {
  static const std::map<std::string, ObjectiveRule, std::less<>> rules = {
      {"regression", {Task::Regression, Transform::Identity}},
      {"regression_l1", {Task::Regression, Transform::Identity}},
      {"huber", {Task::Regression, Transform::Identity}},
      {"fair", {Task::Regression, Transform::Identity}},
      {"quantile", {Task::Regression, Transform::Identity}},
      {"mape", {Task::Regression, Transform::Identity}},
      {"poisson", {Task::Regression, Transform::Exp}},
      {"gamma", {Task::Regression, Transform::Exp}},
      {"tweedie", {Task::Regression, Transform::Exp}},
      {"binary", {Task::BinaryClassification, Transform::Sigmoid}},
      {"multiclass", {Task::MulticlassClassification, Transform::Softmax}},
      {"multiclassova", {Task::MulticlassClassification, Transform::Sigmoid}},
      {"cross_entropy", {Task::BinaryClassification, Transform::Sigmoid}},
      {"cross_entropy_lambda", {Task::Regression, Transform::Softplus}},
      {"lambdarank", {Task::Ranking, Transform::Identity}},
      {"rank_xendcg", {Task::Ranking, Transform::Identity}},
      // A custom objective trained from Python: LightGBM's predict() returns raw scores.
      {"custom", {Task::Regression, Transform::Identity}},
  };
  return rules;
}

std::string supported_objectives() {
  std::string out;
  for (const auto& [name, rule] : objective_rules()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

double parse_param(const Locator& where, const std::string& token, const std::string& value) {
  std::istringstream in(value);
  in.imbue(std::locale::classic());
  double v = 0;
  if (!(in >> v) || !in.eof() || !std::isfinite(v))
    fail(where, "objective", "cannot read the number in \"" + token + "\"");
  return v;
}

// "binary sigmoid:0.5", "multiclassova num_class:3 sigmoid:1", "regression sqrt", ...
void apply_objective(const Model& src, ir::Model& m) {
  std::istringstream words(src.objective);
  std::string name;
  words >> name;
  if (name.empty()) name = "custom";  // no objective line: LightGBM predicts raw scores
  auto it = objective_rules().find(name);
  if (it == objective_rules().end())
    fail(src.where, "objective", "objective \"" + name + "\" is not supported (supported: " + supported_objectives() + ")");
  const ObjectiveRule rule = it->second;
  m.task = rule.task;
  m.output.transform = rule.transform;
  m.output.transform_precision = Precision::Float64;
  m.source.objective = src.objective.empty() ? "custom" : src.objective;
  const bool l2_family = rule.task == Task::Regression && rule.transform == Transform::Identity && name != "custom";
  std::string token;
  while (words >> token) {
    const size_t colon = token.find(':');
    const std::string key = token.substr(0, colon);
    if (token == "sqrt") {
      if (!l2_family) fail(src.where, "objective", "\"sqrt\" is not valid for objective " + name);
      m.output.transform = Transform::SignedSquare;
    } else if (key == "sigmoid" && colon != std::string::npos) {
      m.output.sigmoid_alpha = parse_param(src.where, token, token.substr(colon + 1));
      if (!(m.output.sigmoid_alpha > 0)) fail(src.where, "objective", "sigmoid must be positive in \"" + token + "\"");
    } else if (key == "num_class" && colon != std::string::npos) {
      const double k = parse_param(src.where, token, token.substr(colon + 1));
      if (k != static_cast<double>(src.num_class))
        fail(src.where, "objective", "\"" + token + "\" disagrees with num_class=" + std::to_string(src.num_class));
    }
    // Other parameters (e.g. huber's alpha) only matter for training.
  }
  if (name == "multiclass" || name == "multiclassova") {
    if (src.num_class < 2) fail(src.where, "num_class", name + " needs num_class >= 2");
  } else if (src.num_class != 1) {
    fail(src.where, "num_class", "num_class=" + std::to_string(src.num_class) + " with objective " + name);
  }
}

// LightGBM names features Column_0, Column_1, ... when the user gave no names; those
// are dropped so that inputs are matched by position, as LightGBM itself does.
bool generated_names(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] != "Column_" + std::to_string(i)) return false;
  return true;
}

bool categorical_info(const std::string& info) {
  return !info.empty() && info != "none" && info.front() != '[';
}

// The i-th pandas category column is the i-th categorical feature (the Python package
// lists category-dtype columns in column order and makes them the categorical features).
void apply_pandas_categorical(const Model& src, ir::Model& m) {
  if (src.pandas_categorical.empty()) return;
  std::vector<int32_t> categorical;
  for (int32_t f = 0; f < m.num_features; ++f)
    if (m.feature_types[f] == ir::FeatureType::Categorical) categorical.push_back(f);
  if (categorical.size() != src.pandas_categorical.size())
    fail(src.where, "pandas_categorical",
         "lists " + std::to_string(src.pandas_categorical.size()) + " pandas category columns, the model has " +
             std::to_string(categorical.size()) + " categorical features: xylem cannot tell which labels belong to "
             "which feature");
  if (m.feature_names.empty())
    fail(src.where, "pandas_categorical", "pandas category labels on a model without feature names");
  for (size_t k = 0; k < categorical.size(); ++k) {
    // ir::validate refuses duplicates too, but without the source location.
    std::vector<std::string> labels = src.pandas_categorical[k];
    std::sort(labels.begin(), labels.end());
    auto dup = std::adjacent_find(labels.begin(), labels.end());
    if (dup != labels.end())
      fail(src.where, "pandas_categorical", "column " + std::to_string(k) + ": label \"" + *dup + "\" appears twice");
  }
  m.category_labels.assign(m.num_features, {});
  for (size_t k = 0; k < categorical.size(); ++k) m.category_labels[categorical[k]] = src.pandas_categorical[k];
}

class TreeBuilder {
 public:
  TreeBuilder(const Tree& src, int32_t num_features) : src_(src), num_features_(num_features) {}

  ir::Tree build(std::vector<ir::FeatureType>& feature_types) {
    const int64_t leaves = src_.num_leaves;
    if (leaves < 1) fail(src_.where, "num_leaves", "num_leaves " + std::to_string(leaves) + " must be at least 1");
    if (leaves > (int64_t{1} << 30)) fail(src_.where, "num_leaves", "num_leaves " + std::to_string(leaves) + " is too large");
    const int64_t internal = leaves - 1;
    expect_size("leaf_value", src_.leaf_value.size(), leaves);
    if (internal > 0) {
      expect_size("split_feature", src_.split_feature.size(), internal);
      expect_size("threshold", src_.threshold.size(), internal);
      expect_size("decision_type", src_.decision_type.size(), internal);
      expect_size("left_child", src_.left_child.size(), internal);
      expect_size("right_child", src_.right_child.size(), internal);
    }
    const int32_t n = static_cast<int32_t>(internal + leaves);
    ir::Tree t;
    t.left_children.assign(n, -1);
    t.right_children.assign(n, -1);
    t.split_features.assign(n, 0);
    t.split_kinds.assign(n, ir::SplitKind::LessEqual);
    t.thresholds.assign(n, 0.0);
    t.default_left.assign(n, 0);
    t.missing_rules.assign(n, ir::MissingRule::NanToDefault);
    t.leaf_values.assign(n, 0.0);
    for (int64_t j = 0; j < leaves; ++j) {
      const double v = src_.leaf_value[j];
      if (!std::isfinite(v)) fail(src_.where, "leaf_value", "leaf " + std::to_string(j) + " value is not finite");
      t.leaf_values[internal + j] = v;
    }
    for (int64_t i = 0; i < internal; ++i) {
      t.left_children[i] = node_index(src_.left_child[i], "left_child", i, internal, leaves);
      t.right_children[i] = node_index(src_.right_child[i], "right_child", i, internal, leaves);
      const int64_t f = src_.split_feature[i];
      if (f < 0 || f >= num_features_)
        fail(src_.where, "split_feature", "node " + std::to_string(i) + ": feature " + std::to_string(f) +
                                              " out of range (the model has " + std::to_string(num_features_) +
                                              " features)");
      t.split_features[i] = static_cast<int32_t>(f);
      const int64_t dt = src_.decision_type[i];
      if (dt < 0 || dt > 15) fail(src_.where, "decision_type", "node " + std::to_string(i) + ": decision_type " +
                                                                   std::to_string(dt) + " is not a LightGBM decision type");
      const double thr = src_.threshold[i];
      if (dt & kCategoricalMask) {
        add_categorical(t, i, thr);
        feature_types[f] = ir::FeatureType::Categorical;
        continue;
      }
      if (std::isnan(thr)) fail(src_.where, "threshold", "node " + std::to_string(i) + ": threshold is NaN");
      t.thresholds[i] = thr;
      t.default_left[i] = (dt & kDefaultLeftMask) ? 1 : 0;
      switch (missing_type_of(dt)) {
        case kMissingNone: t.missing_rules[i] = ir::MissingRule::NanAsZero; break;
        case kMissingZero: t.missing_rules[i] = ir::MissingRule::ZeroAndNanToDefault; break;
        case kMissingNaN: t.missing_rules[i] = ir::MissingRule::NanToDefault; break;
        default:
          fail(src_.where, "decision_type",
               "node " + std::to_string(i) + ": missing type 3 in decision_type " + std::to_string(dt) + " is not defined");
      }
    }
    check_shape(t, internal);
    if (src_.is_linear) add_linear(t, internal, leaves);
    return t;
  }

 private:
  void expect_size(const char* field, size_t size, int64_t expected) {
    if (static_cast<int64_t>(size) != expected)
      fail(src_.where, field, "has " + std::to_string(size) + " values, expected " + std::to_string(expected) +
                                  " (num_leaves=" + std::to_string(src_.num_leaves) + ")");
  }

  // Every node reached exactly once from the root (no cycle, no shared or detached node).
  // ir::validate checks this too, but in xylem's terms; here the error names the
  // LightGBM field and, in a text model, its line.
  void check_shape(const ir::Tree& t, int64_t internal) {
    auto name = [internal](int32_t node) {
      return node < internal ? "node " + std::to_string(node) : "leaf " + std::to_string(node - internal);
    };
    std::vector<int32_t> parent(t.num_nodes(), -1);
    std::vector<int32_t> stack = {0};
    while (!stack.empty()) {
      const int32_t node = stack.back();
      stack.pop_back();
      if (node >= internal) continue;
      for (const bool left : {true, false}) {
        const int32_t child = left ? t.left_children[node] : t.right_children[node];
        if (parent[child] >= 0)
          fail(src_.where, left ? "left_child" : "right_child",
               "node " + std::to_string(node) + ": child " + name(child) + " is already a child of node " +
                   std::to_string(parent[child]) + " (the tree has a cycle or a shared node)");
        parent[child] = node;
        stack.push_back(child);
      }
    }
    for (int32_t node = 1; node < t.num_nodes(); ++node)
      if (parent[node] < 0) fail(src_.where, "left_child", name(node) + " is not reachable from the root");
  }

  int32_t node_index(int64_t child, const char* field, int64_t node, int64_t internal, int64_t leaves) {
    if (child >= 0) {
      if (child == 0)
        fail(src_.where, field, "node " + std::to_string(node) + ": child 0 is the root (the tree has a cycle)");
      if (child >= internal)
        fail(src_.where, field, "node " + std::to_string(node) + ": child " + std::to_string(child) +
                                    " is not an internal node (there are " + std::to_string(internal) + ")");
      return static_cast<int32_t>(child);
    }
    const int64_t leaf = ~child;
    if (leaf >= leaves)
      fail(src_.where, field, "node " + std::to_string(node) + ": leaf " + std::to_string(leaf) + " (child " +
                                  std::to_string(child) + ") out of range (num_leaves=" + std::to_string(leaves) + ")");
    return static_cast<int32_t>(internal + leaf);
  }

  // LightGBM sends the categories of the bitset left, and NaN, negative values and
  // values at or beyond 2^31 right (CategoricalDecision); the ensemble's category
  // rule says so for every categorical node, and default_left = 0 sends NaN right.
  void add_categorical(ir::Tree& t, int64_t i, double thr) {
    if (!(thr >= 0) || thr != std::trunc(thr) || thr >= static_cast<double>(src_.categories.size()))
      fail(src_.where, "threshold", "node " + std::to_string(i) + ": categorical split index " + format_number(thr) +
                                        " out of range (the tree has " + std::to_string(src_.categories.size()) +
                                        " categorical splits)");
    std::vector<uint32_t> set = src_.categories[static_cast<size_t>(thr)];
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    if (!set.empty() && set.back() >= 0x80000000u)
      fail(src_.where, "cat_threshold", "node " + std::to_string(i) + ": category " + std::to_string(set.back()) +
                                            " is beyond LightGBM's int32 categories");
    t.split_kinds[i] = ir::SplitKind::Categorical;
    t.default_left[i] = 0;
    t.categorical_nodes.push_back(static_cast<int32_t>(i));
    t.category_sets.push_back(std::move(set));
  }

  void add_linear(ir::Tree& t, int64_t internal, int64_t leaves) {
    expect_size("leaf_const", src_.leaf_const.size(), leaves);
    expect_size("leaf_features", src_.leaf_features.size(), leaves);
    expect_size("leaf_coeff", src_.leaf_coeff.size(), leaves);
    const int32_t n = t.num_nodes();
    t.linear_constants.assign(n, 0.0);
    t.linear_offsets.assign(static_cast<size_t>(n) + 1, 0);
    for (int64_t j = 0; j < leaves; ++j) {
      const int64_t node = internal + j;
      const auto& features = src_.leaf_features[j];
      const auto& coeffs = src_.leaf_coeff[j];
      if (features.size() != coeffs.size())
        fail(src_.where, "leaf_coeff", "leaf " + std::to_string(j) + " has " + std::to_string(coeffs.size()) +
                                           " coefficients for " + std::to_string(features.size()) + " features");
      t.linear_constants[node] = src_.leaf_const[j];
      if (!std::isfinite(src_.leaf_const[j]))
        fail(src_.where, "leaf_const", "leaf " + std::to_string(j) + " constant is not finite");
      for (size_t k = 0; k < features.size(); ++k) {
        if (features[k] < 0 || features[k] >= num_features_)
          fail(src_.where, "leaf_features", "leaf " + std::to_string(j) + ": feature " + std::to_string(features[k]) +
                                                " out of range (the model has " + std::to_string(num_features_) +
                                                " features)");
        if (!std::isfinite(coeffs[k]))
          fail(src_.where, "leaf_coeff", "leaf " + std::to_string(j) + " coefficient " + std::to_string(k) +
                                             " is not finite");
        t.linear_features.push_back(static_cast<int32_t>(features[k]));
        t.linear_coefficients.push_back(coeffs[k]);
      }
    }
    // Offsets: internal nodes have no terms; leaf node `internal + j` owns its terms.
    int32_t offset = 0;
    for (int32_t node = 0; node < n; ++node) {
      t.linear_offsets[node] = offset;
      if (node >= internal) offset += static_cast<int32_t>(src_.leaf_features[node - internal].size());
    }
    t.linear_offsets[n] = offset;
  }

  static std::string format_number(double v) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << v;
    return out.str();
  }

  const Tree& src_;
  int32_t num_features_;
};

}  // namespace

std::vector<std::vector<std::string>> read_pandas_categorical(const JsonValue& value, const Locator& where) {
  std::vector<std::vector<std::string>> out;
  if (value.kind == JsonValue::Kind::Null) return out;
  if (value.kind != JsonValue::Kind::Array) fail(where, "pandas_categorical", "expected a list of lists or null");
  for (const JsonValue& column : value.items) {
    if (column.kind != JsonValue::Kind::Array) fail(where, "pandas_categorical", "expected a list of category lists");
    std::vector<std::string> labels;
    for (const JsonNumber& n : column.numbers) {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, n.f64);
      labels.emplace_back(buf, r.ptr);
    }
    for (const JsonValue& item : column.items) {
      if (item.kind == JsonValue::Kind::String) labels.push_back(item.text);
      else if (item.kind == JsonValue::Kind::Bool) labels.push_back(item.boolean ? "True" : "False");
      else fail(where, "pandas_categorical", "category labels must be strings, numbers or booleans");
    }
    out.push_back(std::move(labels));
  }
  return out;
}

std::vector<uint32_t> bitset_members(const std::vector<uint32_t>& words) {
  std::vector<uint32_t> out;
  for (size_t w = 0; w < words.size(); ++w)
    for (uint32_t b = 0; b < 32; ++b)
      if ((words[w] >> b) & 1u) out.push_back(static_cast<uint32_t>(w * 32 + b));
  return out;
}

ir::Model build_ir(const Model& src) {
  ir::Model m;
  m.source.library = "lightgbm";
  m.source.version = src.version;
  m.source.format = src.format;
  m.source.booster = src.average_output ? "rf" : "gbdt";

  if (src.max_feature_idx < 0 || src.max_feature_idx >= ir::kMaxFeatures)
    fail(src.where, "max_feature_idx", "max_feature_idx " + std::to_string(src.max_feature_idx) + " out of range [0, " +
                                           std::to_string(ir::kMaxFeatures - 1) + "]");
  m.num_features = static_cast<int32_t>(src.max_feature_idx + 1);
  if (!src.feature_names.empty() && src.feature_names.size() != static_cast<size_t>(m.num_features))
    fail(src.where, "feature_names", "has " + std::to_string(src.feature_names.size()) + " names for " +
                                         std::to_string(m.num_features) + " features (max_feature_idx + 1)");
  if (!generated_names(src.feature_names)) m.feature_names = src.feature_names;
  m.feature_types.assign(m.num_features, ir::FeatureType::Numeric);
  if (src.feature_infos.size() == static_cast<size_t>(m.num_features))
    for (int32_t f = 0; f < m.num_features; ++f)
      if (categorical_info(src.feature_infos[f])) m.feature_types[f] = ir::FeatureType::Categorical;

  apply_pandas_categorical(src, m);

  if (src.num_class < 1 || src.num_class > (1 << 20))
    fail(src.where, "num_class", "num_class " + std::to_string(src.num_class) + " out of range");
  if (src.num_tree_per_iteration < 1 || src.num_tree_per_iteration > (1 << 20))
    fail(src.where, "num_tree_per_iteration",
         "num_tree_per_iteration " + std::to_string(src.num_tree_per_iteration) + " out of range");
  if (src.num_tree_per_iteration != src.num_class)
    fail(src.where, "num_tree_per_iteration", "num_tree_per_iteration=" + std::to_string(src.num_tree_per_iteration) +
                                                  " differs from num_class=" + std::to_string(src.num_class));
  const int32_t per_iteration = static_cast<int32_t>(src.num_tree_per_iteration);
  m.num_outputs = per_iteration;
  apply_objective(src, m);

  // LightGBM sums every tree in double, iteration by iteration, with no base score
  // (boost_from_average is folded into the first trees), and random forests average.
  m.output.accumulation = Precision::Float64;
  m.output.base_scores.assign(m.num_outputs, 0.0);
  m.output.aggregation = src.average_output ? ir::Aggregation::Average : ir::Aggregation::Sum;
  m.output.margin_before_average = src.average_output;  // GBDT::PredictRaw does not average

  ir::TreeEnsemble& e = m.ensemble;
  e.input_precision = Precision::Float64;
  e.threshold_precision = Precision::Float64;
  e.categories_go_right = false;
  e.category_rule.negative_fraction_is_zero = true;  // (int)-0.5 == 0
  e.category_rule.limit = 2147483648.0;              // (int)x of larger values is negative on x86: right
  e.category_rule.invalid_to_default = false;        // invalid values go right, with the non-members
  e.tiny_inputs_are_zero = true;                     // c_api.cpp RowFunctionFromDenseMatric: |x| <= kZeroThreshold is dropped
  if (src.trees.size() % per_iteration != 0)
    fail(src.where, "num_tree_per_iteration", std::to_string(src.trees.size()) + " trees are not a whole number of " +
                                                  std::to_string(per_iteration) + "-tree iterations");
  e.trees_per_iteration = per_iteration;
  if (src.average_output && src.trees.empty()) fail(src.where, "average_output", "a random forest with no trees");
  e.trees.reserve(src.trees.size());
  for (size_t t = 0; t < src.trees.size(); ++t) {
    ir::Tree tree = TreeBuilder(src.trees[t], m.num_features).build(m.feature_types);
    tree.output = static_cast<int32_t>(t % per_iteration);
    e.trees.push_back(std::move(tree));
  }
  return m;
}

}  // namespace xylem::formats::lightgbm
