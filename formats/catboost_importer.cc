// CatBoost model import: the JSON of save_model(format="json"), written by
// catboost/libs/model/model_export/json_model_helpers.cpp (ConvertModelToJson).
//
// Numeric rules (../shared/reference/formats.md section 3): a split is true when the
// float32 input is > its float32 border; oblivious trees index their leaves with the
// first split as the lowest bit; leaves are summed in double, then scaled and biased.
// NaN is compared as is (false), as -inf (AsFalse, nan_mode=Min) or as +inf (AsTrue,
// nan_mode=Max). One-hot categorical splits compare CatBoost's 32-bit hash of the
// category's decimal text. CTR categorical, text and embedding features are refused.
#include "formats/catboost_importer.h"

#include <charconv>
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "formats/json_view.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

using ir::Precision;
using ir::Task;
using ir::Transform;

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

struct LossRule {
  Task task;
  Transform transform;
};

// What CatBoost's predict() returns for each loss (the default prediction_type of
// CatBoostClassifier.predict_proba / CatBoostRegressor.predict).
const std::map<std::string, LossRule, std::less<>>& loss_rules() {
  static const std::map<std::string, LossRule, std::less<>> rules = {
      {"Logloss", {Task::BinaryClassification, Transform::Sigmoid}},
      {"CrossEntropy", {Task::BinaryClassification, Transform::Sigmoid}},
      {"MultiClass", {Task::MulticlassClassification, Transform::Softmax}},
      {"MultiClassOneVsAll", {Task::MulticlassClassification, Transform::Sigmoid}},
      {"RMSE", {Task::Regression, Transform::Identity}},
      {"MAE", {Task::Regression, Transform::Identity}},
      {"Quantile", {Task::Regression, Transform::Identity}},
      {"MAPE", {Task::Regression, Transform::Identity}},
      {"Huber", {Task::Regression, Transform::Identity}},
      {"Expectile", {Task::Regression, Transform::Identity}},
      {"Lq", {Task::Regression, Transform::Identity}},
      {"Poisson", {Task::Regression, Transform::Exp}},
      {"Tweedie", {Task::Regression, Transform::Exp}},
      {"MultiRMSE", {Task::MultiTargetRegression, Transform::Identity}},
      {"YetiRank", {Task::Ranking, Transform::Identity}},
      {"YetiRankPairwise", {Task::Ranking, Transform::Identity}},
      {"PairLogit", {Task::Ranking, Transform::Identity}},
      {"PairLogitPairwise", {Task::Ranking, Transform::Identity}},
      {"QueryRMSE", {Task::Ranking, Transform::Identity}},
      {"QuerySoftMax", {Task::Ranking, Transform::Identity}},
  };
  return rules;
}

std::string supported_losses() {
  std::string out;
  for (const auto& [name, rule] : loss_rules()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

struct FloatFeature {
  int32_t column = 0;
  bool nan_goes_right = false;  // AsTrue: NaN is +inf, above every border
};

class CatBoostImporter {
 public:
  CatBoostImporter(const JsonValue& doc, const std::string& file) : root_(doc, file, "") {}

  ir::Model run() {
    ir::Model m;
    m.source.library = "catboost";
    m.source.format = "json";
    read_model_info(m);
    read_features(m);

    const bool oblivious = root_.has("oblivious_trees");
    if (!oblivious && !root_.has("trees")) root_.fail("a CatBoost model needs \"oblivious_trees\" or \"trees\"");
    m.source.booster = oblivious ? "oblivious" : "non_symmetric";
    JsonView trees = root_[oblivious ? "oblivious_trees" : "trees"];
    read_scale_and_bias(m);  // decides the output dimension
    read_class_params(m);

    ir::TreeEnsemble& e = m.ensemble;
    e.input_precision = Precision::Float32;
    e.threshold_precision = Precision::Float32;
    e.categories_go_right = true;  // a one-hot split is true (right) for its category
    e.category_rule.key = ir::CategoryKey::DecimalHash;
    e.category_rule.limit = 4294967296.0;
    e.category_rule.invalid_to_default = true;  // NaN, fractions: not the category (default_left = false side)
    e.trees_per_iteration = 1;
    e.trees.reserve(trees.size());
    for (size_t t = 0; t < trees.size(); ++t)
      e.trees.push_back(oblivious ? read_oblivious(trees[t], m) : read_non_symmetric(trees[t], m));
    return m;
  }

 private:
  void read_model_info(ir::Model& m) {
    std::string loss;
    if (!root_.has("model_info")) root_.fail("no model_info: xylem needs params.loss_function to know what predict() returns");
    {
      JsonView info = root_["model_info"];
      if (info.has("catboost_version_info")) m.source.version = version_from(info["catboost_version_info"].str());
      if (info.has("params") && info["params"].has("loss_function")) {
        JsonView lf = info["params"]["loss_function"];
        loss = lf.kind() == JsonValue::Kind::String ? lf.str() : lf["type"].str();
      } else {
        root_["model_info"].fail("no params.loss_function: xylem needs the loss to know what predict() returns");
      }
    }
    auto it = loss_rules().find(loss);
    if (it == loss_rules().end())
      root_["model_info"]["params"]["loss_function"].fail("CatBoost loss \"" + loss + "\" is not supported (supported: " +
                                                          supported_losses() + ")");
    m.task = it->second.task;
    m.output.transform = it->second.transform;
    m.output.transform_precision = Precision::Float64;
    m.output.accumulation = Precision::Float64;
    m.source.objective = loss;
  }

  // "...Branch: tags/v1.2.10..." -> "1.2.10"
  static std::string version_from(const std::string& info) {
    size_t at = info.find("tags/v");
    if (at == std::string::npos) return "";
    size_t end = info.find_first_of(" \n\t", at);
    return info.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
  }

  void read_features(ir::Model& m) {
    JsonView fi = root_["features_info"];
    for (const char* unsupported : {"text_features", "embedding_features"})
      if (fi.has(unsupported))
        fi[unsupported].fail(std::string("CatBoost ") + (unsupported[0] == 't' ? "text" : "embedding") +
                             " features are not supported by xylem");
    if (fi.has("ctrs") && fi["ctrs"].size() > 0)
      fi["ctrs"].fail("CatBoost CTR categorical features (counters over categories, one_hot_max_size exceeded) are not "
                      "supported by xylem; only one-hot categorical features are");
    int64_t columns = 0;
    std::map<int64_t, std::string> names;
    if (fi.has("float_features")) {
      JsonView ff = fi["float_features"];
      for (size_t i = 0; i < ff.size(); ++i) {
        JsonView f = ff[i];
        const int64_t index = f["feature_index"].integer(0, kMaxInt32);
        const int64_t flat = f["flat_feature_index"].integer(0, ir::kMaxFeatures - 1);
        const std::string nan = f["nan_value_treatment"].str();
        if (nan != "AsIs" && nan != "AsFalse" && nan != "AsTrue")
          f["nan_value_treatment"].fail("unknown nan_value_treatment \"" + nan + "\" (expected AsIs, AsFalse or AsTrue)");
        if (float_features_.count(index)) f["feature_index"].fail("float feature " + std::to_string(index) + " listed twice");
        float_features_[index] = {static_cast<int32_t>(flat), nan == "AsTrue"};
        claim_column(f["flat_feature_index"], flat);
        columns = std::max(columns, flat + 1);
        names[flat] = f.has("feature_id") ? f["feature_id"].str() : "";
      }
    }
    if (fi.has("categorical_features")) {
      JsonView cf = fi["categorical_features"];
      for (size_t i = 0; i < cf.size(); ++i) {
        JsonView c = cf[i];
        const int64_t index = c["feature_index"].integer(0, kMaxInt32);
        const int64_t flat = c["flat_feature_index"].integer(0, ir::kMaxFeatures - 1);
        if (cat_features_.count(index)) c["feature_index"].fail("categorical feature " + std::to_string(index) + " listed twice");
        cat_features_[index] = static_cast<int32_t>(flat);
        claim_column(c["flat_feature_index"], flat);
        columns = std::max(columns, flat + 1);
        names[flat] = c.has("feature_id") ? c["feature_id"].str() : "";
      }
    }
    m.num_features = static_cast<int32_t>(columns);
    m.feature_types.assign(m.num_features, ir::FeatureType::Numeric);
    for (const auto& [index, flat] : cat_features_) m.feature_types[flat] = ir::FeatureType::Categorical;
    // Names only when every column has one (ignored features leave gaps).
    bool all_named = static_cast<int64_t>(names.size()) == columns;
    for (const auto& [flat, name] : names) all_named = all_named && !name.empty();
    if (all_named)
      for (const auto& [flat, name] : names) m.feature_names.push_back(name);
  }

  // CatBoostClassifier.predict() returns class_names[k] for the class k it decides on:
  // raw margin > 0 for one margin, the largest margin otherwise (a tie goes to the first).
  void read_class_params(ir::Model& m) {
    if (m.task != Task::BinaryClassification && m.task != Task::MulticlassClassification) return;
    m.output.label_rule = m.num_outputs == 1 ? ir::LabelRule::MarginPositive : ir::LabelRule::ArgMaxMargin;
    if (!root_["model_info"].has("class_params")) return;
    JsonView params = root_["model_info"]["class_params"];
    if (!params.has("class_names")) return;
    JsonView names = params["class_names"];
    const std::string type = params.has("class_label_type") ? params["class_label_type"].str() : "";
    const size_t classes = m.num_outputs == 1 ? 2 : static_cast<size_t>(m.num_outputs);
    if (names.size() == 0) return;
    if (names.size() != classes)
      names.fail("has " + std::to_string(names.size()) + " class names for " + std::to_string(classes) + " classes");
    m.class_labels_are_numbers = type == "Integer";
    if (type == "Integer") {
      for (int64_t v : names.int_array(-(int64_t{1} << 53), int64_t{1} << 53)) m.class_labels.push_back(std::to_string(v));
    } else if (type == "Float") {
      for (double v : names.f64_array()) m.class_labels.push_back(python_float_text(v));
    } else if (type == "Boolean" || type == "String" || type.empty()) {
      for (size_t k = 0; k < names.size(); ++k)
        m.class_labels.push_back(type != "Boolean" ? names[k].str() : names[k].boolean() ? "True" : "False");
    } else {
      params["class_label_type"].fail("unknown CatBoost class_label_type \"" + type +
                                      "\" (expected Integer, Float, Boolean or String)");
    }
  }

  // repr() of a Python float: the shortest text that reads back, with ".0" when integral.
  static std::string python_float_text(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }

  void claim_column(const JsonView& where, int64_t flat) {
    if (!columns_.insert(flat).second) where.fail("column " + std::to_string(flat) + " is used by two features");
  }

  void read_scale_and_bias(ir::Model& m) {
    // The output dimension: the bias length, else found from the first tree.
    double scale = 1.0;
    std::vector<double> bias;
    if (root_.has("scale_and_bias")) {
      JsonView sb = root_["scale_and_bias"];
      if (sb.size() != 2) sb.fail("expected [scale, [bias, ...]]");
      scale = sb[0].f64();
      if (!std::isfinite(scale)) sb[0].fail("scale is not finite");
      JsonView b = sb[1];
      bias = b.kind() == JsonValue::Kind::Array ? b.f64_array() : std::vector<double>{b.f64()};
      for (size_t k = 0; k < bias.size(); ++k)
        if (!std::isfinite(bias[k])) b.fail("bias " + std::to_string(k) + " is not finite");
    }
    int64_t dim = guess_dimension();
    if (bias.size() > 1 && dim != static_cast<int64_t>(bias.size()))
      root_["scale_and_bias"][1].fail("has " + std::to_string(bias.size()) + " biases for " + std::to_string(dim) +
                                      "-dimensional leaves");
    if (bias.empty()) bias.assign(dim, 0.0);
    if (bias.size() == 1 && dim > 1) bias.assign(dim, bias[0]);
    m.num_outputs = static_cast<int32_t>(dim);
    m.output.scale = scale;
    m.output.base_scores = bias;
    m.output.base_scores_first = false;  // CatBoost: scale * sum + bias
    if (m.task == Task::MulticlassClassification && dim < 2)
      root_["model_info"].fail(m.source.objective + " model with one-dimensional leaves");
    if (m.task != Task::MulticlassClassification && m.task != Task::MultiTargetRegression && dim != 1)
      root_["model_info"].fail(m.source.objective + " model with " + std::to_string(dim) + "-dimensional leaves");
  }

  int64_t guess_dimension() {
    if (root_.has("oblivious_trees")) {
      JsonView trees = root_["oblivious_trees"];
      if (trees.size() == 0) return 1;
      JsonView t = trees[0];
      const size_t depth = t["splits"].size();
      if (depth > 20) t["splits"].fail("depth " + std::to_string(depth) + " is beyond what xylem reads (20)");
      const size_t leaves = size_t{1} << depth;
      const size_t values = t["leaf_values"].size();
      if (values == 0 || values % leaves != 0)
        t["leaf_values"].fail("has " + std::to_string(values) + " values for " + std::to_string(leaves) + " leaves");
      return static_cast<int64_t>(values / leaves);
    }
    JsonView trees = root_["trees"];
    if (trees.size() == 0) return 1;
    JsonView node = trees[0];
    while (!node.has("value")) node = node["left"];
    JsonView v = node["value"];
    if (v.kind() == JsonValue::Kind::Array && v.size() == 0) v.fail("a leaf with no values");
    return v.kind() == JsonValue::Kind::Array ? static_cast<int64_t>(v.size()) : 1;
  }

  // One split as a node of `t`: a float border or a one-hot category.
  void set_split(const JsonView& split, ir::Tree& t, int32_t node) {
    const std::string type = split["split_type"].str();
    if (type == "FloatFeature") {
      const int64_t index = split["float_feature_index"].integer(0, kMaxInt32);
      auto it = float_features_.find(index);
      if (it == float_features_.end())
        split["float_feature_index"].fail("float feature " + std::to_string(index) + " is not in features_info.float_features");
      const float border = split["border"].f32();
      if (std::isnan(border)) split["border"].fail("border is NaN");
      t.split_features[node] = it->second.column;
      t.split_kinds[node] = ir::SplitKind::LessEqual;  // true (right) when x > border
      t.thresholds[node] = border;
      t.missing_rules[node] = ir::MissingRule::NanToDefault;
      t.default_left[node] = it->second.nan_goes_right ? 0 : 1;
    } else if (type == "OneHotFeature") {
      const int64_t index = split["cat_feature_index"].integer(0, kMaxInt32);
      auto it = cat_features_.find(index);
      if (it == cat_features_.end())
        split["cat_feature_index"].fail("categorical feature " + std::to_string(index) +
                                        " is not in features_info.categorical_features");
      // The hash is written as a signed 32-bit int; the key is its bit pattern.
      const int64_t value = split["value"].integer(std::numeric_limits<int32_t>::min(), 0xffffffffLL);
      t.split_features[node] = it->second;
      t.split_kinds[node] = ir::SplitKind::Categorical;
      t.default_left[node] = 1;
      t.categorical_nodes.push_back(node);
      t.category_sets.push_back({static_cast<uint32_t>(value)});
    } else if (type == "OnlineCtr") {
      split["split_type"].fail("CatBoost CTR categorical splits (OnlineCtr) are not supported by xylem; train with "
                               "one_hot_max_size above the number of categories to get one-hot splits");
    } else {
      split["split_type"].fail("CatBoost split type \"" + type + "\" is not supported by xylem (supported: FloatFeature, "
                               "OneHotFeature)");
    }
  }

  static ir::Tree empty_tree(int32_t nodes, int32_t leaf_size) {
    ir::Tree t;
    t.left_children.assign(nodes, -1);
    t.right_children.assign(nodes, -1);
    t.split_features.assign(nodes, 0);
    t.split_kinds.assign(nodes, ir::SplitKind::LessEqual);
    t.thresholds.assign(nodes, 0.0);
    t.default_left.assign(nodes, 0);
    t.missing_rules.assign(nodes, ir::MissingRule::NanToDefault);
    t.leaf_values.assign(static_cast<size_t>(nodes) * leaf_size, 0.0);
    t.leaf_size = leaf_size;
    return t;
  }

  // An oblivious tree of depth d becomes a complete binary tree: level l tests
  // splits[d - 1 - l], so the leaf reached is number sum(bit(splits[s]) << s), the
  // index CatBoost computes, and leaves sit in index order after the 2^d - 1 internal nodes.
  ir::Tree read_oblivious(const JsonView& tj, const ir::Model& m) {
    JsonView splits = tj["splits"];
    const size_t depth = splits.size();
    if (depth > 20) splits.fail("depth " + std::to_string(depth) + " is beyond what xylem reads (20)");
    const size_t leaves = size_t{1} << depth;
    const size_t dim = m.num_outputs;
    JsonView values_v = tj["leaf_values"];
    std::vector<double> values = values_v.f64_array();
    if (values.size() != leaves * dim)
      values_v.fail("has " + std::to_string(values.size()) + " values, expected " + std::to_string(leaves) + " leaves x " +
                    std::to_string(dim) + " dimensions");
    const int32_t internal = static_cast<int32_t>(leaves - 1);
    ir::Tree t = empty_tree(static_cast<int32_t>(internal + leaves), static_cast<int32_t>(dim));
    for (int32_t node = 0; node < internal; ++node) {
      const int level = std::bit_width(static_cast<uint32_t>(node) + 1) - 1;
      set_split(splits[depth - 1 - level], t, node);
      t.left_children[node] = 2 * node + 1;
      t.right_children[node] = 2 * node + 2;
    }
    for (size_t leaf = 0; leaf < leaves; ++leaf)
      for (size_t k = 0; k < dim; ++k) {
        const double v = values[leaf * dim + k];
        if (!std::isfinite(v)) values_v.fail_at(leaf * dim + k, "leaf value is not finite");
        t.leaf_values[(internal + leaf) * dim + k] = v;
      }
    if (dim == 1) t.leaf_size = 1;
    return t;
  }

  // Non-symmetric trees: {"split": ..., "left": ..., "right": ...} nodes and
  // {"value": v or [v...], "weight": w} leaves; "right" is where the split is true.
  ir::Tree read_non_symmetric(const JsonView& tj, const ir::Model& m) {
    const int32_t dim = m.num_outputs;
    ir::Tree t = empty_tree(0, dim);
    add_node(tj, t, dim, 0);
    if (dim == 1) t.leaf_size = 1;
    return t;
  }

  int32_t add_node(const JsonView& nj, ir::Tree& t, int32_t dim, int depth) {
    if (depth > 64) nj.fail("tree deeper than 64 levels");
    const int32_t node = t.num_nodes();
    t.left_children.push_back(-1);
    t.right_children.push_back(-1);
    t.split_features.push_back(0);
    t.split_kinds.push_back(ir::SplitKind::LessEqual);
    t.thresholds.push_back(0.0);
    t.default_left.push_back(0);
    t.missing_rules.push_back(ir::MissingRule::NanToDefault);
    t.leaf_values.resize(t.leaf_values.size() + dim, 0.0);
    if (nj.has("value")) {
      JsonView v = nj["value"];
      std::vector<double> values = v.kind() == JsonValue::Kind::Array ? v.f64_array() : std::vector<double>{v.f64()};
      if (values.size() != static_cast<size_t>(dim))
        v.fail("has " + std::to_string(values.size()) + " values, the model's leaves have " + std::to_string(dim));
      for (int32_t k = 0; k < dim; ++k) {
        if (!std::isfinite(values[k])) v.fail("leaf value is not finite");
        t.leaf_values[static_cast<size_t>(node) * dim + k] = values[k];
      }
      return node;
    }
    set_split(nj["split"], t, node);
    const int32_t left = add_node(nj["left"], t, dim, depth + 1);
    const int32_t right = add_node(nj["right"], t, dim, depth + 1);
    t.left_children[node] = left;
    t.right_children[node] = right;
    return node;
  }

  JsonView root_;
  std::map<int64_t, FloatFeature> float_features_;
  std::map<int64_t, int32_t> cat_features_;
  std::set<int64_t> columns_;
};

}  // namespace

bool is_catboost_document(const JsonValue& document) {
  if (document.kind != JsonValue::Kind::Object) return false;
  return document.find("features_info") != nullptr &&
         (document.find("oblivious_trees") != nullptr || document.find("trees") != nullptr);
}

ir::Model import_catboost(const JsonValue& document, const std::string& file) {
  return CatBoostImporter(document, file).run();
}

}  // namespace xylem::formats
