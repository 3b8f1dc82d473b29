#include "formats/xgboost_importer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "formats/json_view.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

using ir::Precision;
using ir::Transform;

// What the objective means for prediction: XGBoost's PredTransform and the link
// (ProbToMargin) applied to the stored base_score. Expectile: the base scores are
// non-crossing expectiles, stored as prediction values; ProbToMargin turns each gap
// into the margin whose softplus gives it back.
enum class Link { Identity, Logit, Log, ExpectileGaps };

struct ObjectiveRule {
  ir::Task task;
  Transform transform;
  Link link;
};

const std::map<std::string, ObjectiveRule, std::less<>>& objective_rules() {
  static const std::map<std::string, ObjectiveRule, std::less<>> rules = {
      {"binary:logistic", {ir::Task::BinaryClassification, Transform::Sigmoid, Link::Logit}},
      // logitraw adds base_score to the margin as it is, without the logit (measured on 1.7, 2.1 and 3.2).
      {"binary:logitraw", {ir::Task::BinaryClassification, Transform::Identity, Link::Identity}},
      {"binary:hinge", {ir::Task::BinaryClassification, Transform::HingeClass, Link::Identity}},
      {"reg:squarederror", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      {"reg:linear", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      {"reg:squaredlogerror", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      {"reg:logistic", {ir::Task::Regression, Transform::Sigmoid, Link::Logit}},
      {"reg:pseudohubererror", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      {"reg:absoluteerror", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      // Several quantiles: sorted per row from 3.4 on (see run()).
      {"reg:quantileerror", {ir::Task::Regression, Transform::Identity, Link::Identity}},
      // 3.3+: the first expectile as it is, each next one the last plus 1e-6 + softplus(margin).
      {"reg:expectileerror", {ir::Task::Regression, Transform::CumulativeSoftplus, Link::ExpectileGaps}},
      {"count:poisson", {ir::Task::Regression, Transform::Exp, Link::Log}},
      {"reg:gamma", {ir::Task::Regression, Transform::Exp, Link::Log}},
      {"reg:tweedie", {ir::Task::Regression, Transform::Exp, Link::Log}},
      {"multi:softmax", {ir::Task::MulticlassClassification, Transform::ArgMaxClass, Link::Identity}},
      {"multi:softprob", {ir::Task::MulticlassClassification, Transform::Softmax, Link::Identity}},
      {"rank:pairwise", {ir::Task::Ranking, Transform::Identity, Link::Identity}},
      {"rank:ndcg", {ir::Task::Ranking, Transform::Identity, Link::Identity}},
      {"rank:map", {ir::Task::Ranking, Transform::Identity, Link::Identity}},
      {"survival:cox", {ir::Task::Survival, Transform::Exp, Link::Log}},
      {"survival:aft", {ir::Task::Survival, Transform::Exp, Link::Log}},
  };
  return rules;
}

std::string supported_objectives() {
  std::string out;
  for (const auto& [name, rule] : objective_rules()) {
    if (name == "reg:linear") continue;
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// dmlc::Parameter values are strings even for numbers ("5E-1", "0.500000", "3").
int64_t parse_int_param(const JsonView& v, int64_t min, int64_t max) {
  if (v.kind() == JsonValue::Kind::Number) return v.integer(min, max);
  std::string s = v.str();
  int64_t out = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) v.fail("expected an integer string, found \"" + s + "\"");
  if (out < min || out > max)
    v.fail("value " + s + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return out;
}

// base_score: "5E-1", "0.500000", or since 3.1 a vector "[v0,v1,...]".
std::vector<float> parse_base_score(const JsonView& v) {
  if (v.kind() == JsonValue::Kind::Number) return {v.f32()};
  std::string s = v.str();
  std::string_view body = s;
  if (!body.empty() && body.front() == '[') {
    if (body.back() != ']') v.fail("malformed base_score \"" + s + "\"");
    body = body.substr(1, body.size() - 2);
  }
  std::vector<float> values;
  while (true) {
    while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
    size_t comma = body.find(',');
    std::string_view item = body.substr(0, comma);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    float f = 0;
    auto r = std::from_chars(item.data(), item.data() + item.size(), f);
    if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size())
      v.fail("malformed base_score \"" + s + "\"");
    values.push_back(f);
    if (comma == std::string_view::npos) break;
    body.remove_prefix(comma + 1);
  }
  return values;
}

float base_score_to_margin(float base, Link link, const JsonView& where) {
  switch (link) {
    case Link::Identity:
      return base;
    case Link::Logit:
      if (!(base > 0.0f && base < 1.0f))
        where.fail("base_score " + std::to_string(base) + " must be in (0, 1) for a logistic objective");
      return -std::log(1.0f / base - 1.0f);
    case Link::Log:
      if (!(base > 0.0f)) where.fail("base_score " + std::to_string(base) + " must be positive for a log-link objective");
      return std::log(base);
    case Link::ExpectileGaps:
      return base;  // per vector, in expectile_margins()
  }
  return base;
}

// ExpectileRegression::ProbToMargin (3.3+), in float32: from the last output down,
// margin_j = SoftPlusInv(base_j - base_{j-1} - kRtEps), SoftPlusInv(x) =
// max(x, 1e-6) + log(-expm1(-max(x, 1e-6))) (src/common/math.h).
void expectile_margins(std::vector<float>& base) {
  for (size_t j = base.size() - 1; j > 0 && !base.empty(); --j) {
    const float gap = base[j] - base[j - 1];
    const float x = std::max(gap - 1e-6f, 1e-6f);
    base[j] = x + std::log(-std::expm1(-x));
  }
}

// Whether the file was saved by XGBoost `major.minor` or later (files without a
// version predate 1.0's JSON format, so never).
bool saved_by_at_least(const ir::Source& source, int major, int minor) {
  int got_major = 0, got_minor = 0;
  const std::string& v = source.version;
  auto r = std::from_chars(v.data(), v.data() + v.size(), got_major);
  if (r.ec != std::errc()) return false;
  if (r.ptr != v.data() + v.size() && *r.ptr == '.') std::from_chars(r.ptr + 1, v.data() + v.size(), got_minor);
  return got_major > major || (got_major == major && got_minor >= minor);
}

class XGBoostImporter {
 public:
  XGBoostImporter(const JsonValue& doc, const std::string& file, const std::string& container)
      : root_(doc, file, ""), container_(container) {}

  ir::Model run() {
    ir::Model m;
    m.source.library = "xgboost";
    m.source.format = container_;
    if (root_.has("version")) {
      auto v = root_["version"].int_array(0, 1 << 20);
      for (size_t i = 0; i < v.size(); ++i) m.source.version += (i ? "." : "") + std::to_string(v[i]);
    }
    JsonView learner = root_["learner"];
    JsonView params = learner["learner_model_param"];
    m.num_features = static_cast<int32_t>(parse_int_param(params["num_feature"], 0, ir::kMaxFeatures));
    int64_t num_class = params.has("num_class") ? parse_int_param(params["num_class"], 0, 1 << 20) : 0;
    int64_t num_target = params.has("num_target") ? parse_int_param(params["num_target"], 0, 1 << 20) : 1;
    m.num_outputs = static_cast<int32_t>(std::max<int64_t>({num_class, num_target, 1}));

    JsonView objective = learner["objective"]["name"];
    m.source.objective = objective.str();
    auto rule_it = objective_rules().find(m.source.objective);
    if (rule_it == objective_rules().end())
      objective.fail("unsupported XGBoost objective \"" + m.source.objective + "\" (supported: " + supported_objectives() + ")");
    const ObjectiveRule rule = rule_it->second;
    m.task = rule.task;
    if (m.task == ir::Task::Regression && m.num_outputs > 1) m.task = ir::Task::MultiTargetRegression;
    if (m.task == ir::Task::MulticlassClassification && num_class < 2)
      params["num_class"].fail("multi-class objective with num_class " + std::to_string(num_class));

    read_features(learner, m);
    read_base_scores(params, rule, m);
    if (learner.has("attributes") && learner["attributes"].has("best_iteration")) {
      JsonView best = learner["attributes"]["best_iteration"];
      m.source.best_iteration = parse_int_param(best, 0, std::numeric_limits<int32_t>::max());
    }

    m.output.accumulation = Precision::Float32;
    m.output.transform = rule.transform;
    // XGBoost 3.4 sorts each row's quantiles so that they never cross (QuantileRegression::
    // PredTransform); before 3.4, predict() returned the margins as they are.
    if (m.source.objective == "reg:quantileerror" && m.num_outputs > 1 && saved_by_at_least(m.source, 3, 4))
      m.output.transform = Transform::SortAscending;
    m.output.transform_precision = Precision::Float32;
    m.ensemble.input_precision = Precision::Float32;
    m.ensemble.threshold_precision = Precision::Float32;
    m.ensemble.categories_go_right = true;
    m.ensemble.category_rule = ir::CategoryRule{false, 16777216.0, false};

    JsonView booster = learner["gradient_booster"];
    m.source.booster = booster["name"].str();
    if (m.source.booster == "gbtree") {
      // XGBoost 3.4 saves DART (and gbtree trained with rate_drop, one_drop or
      // skip_drop) as "gbtree" with the tree weights in model.weight_drop.
      JsonView model = booster["model"];
      read_gbtree(model, m, model.has("weight_drop") ? std::optional<JsonView>(model["weight_drop"]) : std::nullopt);
    } else if (m.source.booster == "dart") {
      // Before 3.4: {"name": "dart", "gbtree": {...}, "weight_drop": [...]}.
      read_gbtree(booster["gbtree"]["model"], m, booster["weight_drop"]);
    } else if (m.source.booster == "gblinear") {
      read_gblinear(booster["model"], m);
    } else {
      booster["name"].fail("unsupported XGBoost booster \"" + m.source.booster + "\" (supported: gbtree, dart, gblinear)");
    }
    return m;
  }

 private:
  void read_features(const JsonView& learner, ir::Model& m) {
    m.feature_types.assign(m.num_features, ir::FeatureType::Numeric);
    if (learner.has("feature_names")) {
      JsonView names = learner["feature_names"];
      auto list = names.string_array();
      if (!list.empty() && list.size() != static_cast<size_t>(m.num_features))
        names.fail("has " + std::to_string(list.size()) + " names for " + std::to_string(m.num_features) + " features");
      m.feature_names = std::move(list);
    }
    if (learner.has("feature_types")) {
      JsonView types = learner["feature_types"];
      auto list = types.string_array();
      if (!list.empty() && list.size() != static_cast<size_t>(m.num_features))
        types.fail("has " + std::to_string(list.size()) + " types for " + std::to_string(m.num_features) + " features");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string& t = list[i];
        if (t == "c") m.feature_types[i] = ir::FeatureType::Categorical;
        else if (t != "q" && t != "float" && t != "int" && t != "i")
          types.fail_at(i, "unknown XGBoost feature type \"" + t + "\"");
      }
    }
  }

  void read_base_scores(const JsonView& params, const ObjectiveRule& rule, ir::Model& m) {
    JsonView base = params["base_score"];
    std::vector<float> values = parse_base_score(base);
    if (values.size() == 1) values.assign(m.num_outputs, values[0]);
    if (values.size() != static_cast<size_t>(m.num_outputs))
      base.fail("has " + std::to_string(values.size()) + " values for " + std::to_string(m.num_outputs) + " outputs");
    m.output.base_scores.clear();
    for (float v : values)
      if (!std::isfinite(v)) base.fail("base_score is not finite");
    if (rule.link == Link::ExpectileGaps) expectile_margins(values);
    for (float v : values) m.output.base_scores.push_back(base_score_to_margin(v, rule.link, base));
  }

  void read_gbtree(const JsonView& model, ir::Model& m, const std::optional<JsonView>& weights) {
    std::vector<double> weight_drop;
    if (weights) {
      weight_drop = weights->f32_array_widened();
      for (size_t i = 0; i < weight_drop.size(); ++i)
        if (!std::isfinite(weight_drop[i])) weights->fail_at(i, "tree weight is not finite");
    }
    JsonView trees = model["trees"];
    const size_t n_trees = trees.size();
    if (model.has("gbtree_model_param")) {
      JsonView declared = model["gbtree_model_param"]["num_trees"];
      const int64_t declared_trees = parse_int_param(declared, 0, std::numeric_limits<int32_t>::max());
      if (declared_trees != static_cast<int64_t>(n_trees))
        declared.fail("declares " + std::to_string(declared_trees) + " trees, the model holds " + std::to_string(n_trees));
    }
    JsonView info = model["tree_info"];
    std::vector<int64_t> groups = info.int_array(0, m.num_outputs - 1);
    if (groups.size() != n_trees)
      info.fail("has " + std::to_string(groups.size()) + " entries for " + std::to_string(n_trees) + " trees");
    m.ensemble.trees.reserve(n_trees);
    for (size_t t = 0; t < n_trees; ++t) {
      ir::Tree tree = read_tree(trees[t], m);
      tree.output = static_cast<int32_t>(groups[t]);
      if (t < weight_drop.size()) tree.weight = weight_drop[t];
      m.ensemble.trees.push_back(std::move(tree));
    }
    // XGBoost reads weight_drop[tree] for every tree it predicts with, so a shorter list
    // is a broken file (it would read past the end), not unit weights.
    if (weights && weight_drop.size() != n_trees)
      weights->fail("has " + std::to_string(weight_drop.size()) + " weights for " + std::to_string(n_trees) + " trees");
    m.ensemble.trees_per_iteration = trees_per_iteration(model, m);
    if (model.has("cats")) read_category_encodings(model["cats"], m);
  }

  // XGBoost 3.1+ records the categories of a model trained on pandas (or Arrow)
  // categoricals in model.cats.enc, one entry per feature: strings as UTF-8 bytes with
  // offsets, or integers with their array type. It re-codes a DataFrame's values by them
  // (category i is the i-th value) and refuses a value not among them; trees see the codes.
  // xylem takes them as category labels with the same rule. A model trained on codes
  // (numpy) has an empty list.
  void read_category_encodings(const JsonView& cats, ir::Model& m) {
    if (!cats.has("enc")) return;
    JsonView enc = cats["enc"];
    if (enc.size() == 0) return;
    if (enc.size() != static_cast<size_t>(m.num_features))
      enc.fail("has " + std::to_string(enc.size()) + " entries for " + std::to_string(m.num_features) + " features");
    std::vector<std::vector<std::string>> labels(m.num_features);
    bool any = false;
    for (size_t f = 0; f < enc.size(); ++f) {
      JsonView e = enc[f];
      if (e.has("offsets")) {
        auto offsets = e["offsets"].int_array(0, std::numeric_limits<int64_t>::max());
        auto bytes = e["values"].int_array(-128, 255);
        if (offsets.empty()) continue;
        for (size_t i = 1; i < offsets.size(); ++i)
          if (offsets[i] < offsets[i - 1] || offsets[i] > static_cast<int64_t>(bytes.size()))
            e["offsets"].fail_at(i, "offset " + std::to_string(offsets[i]) + " out of order or past the " +
                                        std::to_string(bytes.size()) + " bytes");
        // Before 3.4 the offsets counted characters, not UTF-8 bytes (dmlc/xgboost#12371,
        // fixed in 3.4.0), so a non-ASCII name comes back cut short: refuse rather than guess.
        if (!saved_by_at_least(m.source, 3, 4))
          for (int64_t b : bytes)
            if (b < 0 || b > 127)
              e["values"].fail("non-ASCII category names saved by XGBoost " + m.source.version +
                               ", which recorded them wrongly (fixed in 3.4.0); save the model again with "
                               "XGBoost 3.4 or later");
        for (size_t i = 0; i + 1 < offsets.size(); ++i) {
          std::string s;
          for (int64_t b = offsets[i]; b < offsets[i + 1]; ++b) s += static_cast<char>(static_cast<uint8_t>(bytes[b]));
          labels[f].push_back(std::move(s));
        }
      } else {
        // Integers (3.1+), or float32/float64 categories (3.1 to 3.3): their shortest text,
        // which is also how an input cell is matched ("10.0" is the category 10).
        for (double v : e["values"].f64_array()) {
          char buf[64];
          auto r = std::to_chars(buf, buf + sizeof buf, v);
          labels[f].emplace_back(buf, r.ptr);
        }
      }
      if (labels[f].empty()) continue;
      if (m.feature_types[f] != ir::FeatureType::Categorical)
        e.fail("categories recorded for feature " + std::to_string(f) + ", which is not categorical");
      any = true;
    }
    if (!any) return;
    if (m.feature_names.empty()) enc.fail("categories recorded for a model without feature names");
    m.category_labels = std::move(labels);
    m.unknown_category_label_is_error = true;
  }

  // 2.0+ records where each iteration starts (iteration_indptr); 1.7 implies it:
  // num_parallel_tree trees per output group (one group for vector-leaf trees).
  static int32_t trees_per_iteration(const JsonView& model, const ir::Model& m) {
    const int64_t n_trees = static_cast<int64_t>(m.ensemble.trees.size());
    if (n_trees == 0) return 1;
    if (model.has("iteration_indptr")) {
      JsonView v = model["iteration_indptr"];
      auto indptr = v.int_array(0, n_trees);
      if (indptr.size() < 2 || indptr.front() != 0 || indptr.back() != n_trees)
        v.fail("does not span the " + std::to_string(n_trees) + " trees");
      const int64_t step = indptr[1] - indptr[0];
      for (size_t i = 1; i < indptr.size(); ++i)
        if (indptr[i] - indptr[i - 1] != step || step <= 0)
          return static_cast<int32_t>(n_trees);  // uneven iterations: predict with all trees only
      return static_cast<int32_t>(step);
    }
    int64_t parallel = 1;
    if (model.has("gbtree_model_param") && model["gbtree_model_param"].has("num_parallel_tree"))
      parallel = parse_int_param(model["gbtree_model_param"]["num_parallel_tree"], 1, std::numeric_limits<int32_t>::max());
    const int64_t groups = m.ensemble.trees[0].leaf_size > 1 ? 1 : m.num_outputs;
    const int64_t step = parallel * groups;
    return static_cast<int32_t>(n_trees % step == 0 ? step : n_trees);
  }

  ir::Tree read_tree(const JsonView& tj, const ir::Model& m) {
    JsonView tree_param = tj["tree_param"];
    const int64_t n = parse_int_param(tree_param["num_nodes"], 1, std::numeric_limits<int32_t>::max());
    int64_t leaf_size = tree_param.has("size_leaf_vector") ? parse_int_param(tree_param["size_leaf_vector"], 0, 1 << 20) : 1;
    if (leaf_size == 0) leaf_size = 1;
    if (leaf_size > 1 && leaf_size != m.num_outputs)
      tree_param["size_leaf_vector"].fail("leaf vector of " + std::to_string(leaf_size) + " values for " +
                                          std::to_string(m.num_outputs) + " outputs");

    auto sized = [&](const char* key, auto values) {
      if (values.size() != static_cast<size_t>(n))
        tj[key].fail("has " + std::to_string(values.size()) + " entries, tree_param.num_nodes is " + std::to_string(n));
      return values;
    };
    auto left = sized("left_children", tj["left_children"].int_array_as<int32_t>(-1, std::numeric_limits<int32_t>::max()));
    auto right = sized("right_children", tj["right_children"].int_array_as<int32_t>(-1, std::numeric_limits<int32_t>::max()));
    // Deleted (pruned) nodes carry split index UINT32_MAX; they are never reached.
    auto split_index = sized("split_indices", tj["split_indices"].int_array(-1, std::numeric_limits<uint32_t>::max()));
    auto conditions = sized("split_conditions", tj["split_conditions"].f32_array_widened());
    auto default_left = sized("default_left", tj["default_left"].int_array_as<uint8_t>(0, 1));
    std::vector<uint8_t> split_type(n, 0);
    if (tj.has("split_type")) split_type = sized("split_type", tj["split_type"].int_array_as<uint8_t>(0, 1));
    std::vector<double> base_weights;
    if (leaf_size > 1) {
      base_weights = tj["base_weights"].f32_array_widened();
      if (base_weights.size() != static_cast<size_t>(n * leaf_size))
        tj["base_weights"].fail("has " + std::to_string(base_weights.size()) + " values, expected " +
                                std::to_string(n * leaf_size) + " (num_nodes x size_leaf_vector)");
    }

    // Keep the nodes reachable from the root, in file order, and renumber them.
    std::vector<int32_t> new_index(n, -1);
    std::vector<int32_t> order;
    {
      std::vector<uint8_t> seen(n, 0);
      std::vector<int64_t> stack{0};
      seen[0] = 1;
      while (!stack.empty()) {
        int64_t i = stack.back();
        stack.pop_back();
        if (left[i] == -1) continue;
        for (auto [child, key] : {std::pair{left[i], "left_children"}, std::pair{right[i], "right_children"}}) {
          if (child < 0 || child >= n)
            tj[key].fail_at(i, "child " + std::to_string(child) + " out of range (tree has " + std::to_string(n) + " nodes)");
          if (child == 0 || seen[child])
            tj[key].fail_at(i, "child " + std::to_string(child) + " is reached twice (the tree has a cycle or a shared node)");
          seen[child] = 1;
          stack.push_back(child);
        }
        if (split_index[i] < 0 || split_index[i] >= m.num_features)
          tj["split_indices"].fail_at(i, "feature " + std::to_string(split_index[i]) +
                                   " out of range (num_feature is " + std::to_string(m.num_features) + ")");
      }
      for (int64_t i = 0; i < n; ++i)
        if (seen[i]) {
          new_index[i] = static_cast<int32_t>(order.size());
          order.push_back(static_cast<int32_t>(i));
        }
    }

    ir::Tree tree;
    tree.leaf_size = static_cast<int32_t>(leaf_size);
    const size_t kept = order.size();
    tree.left_children.resize(kept);
    tree.right_children.resize(kept);
    tree.split_features.resize(kept);
    tree.split_kinds.resize(kept);
    tree.thresholds.resize(kept);
    tree.default_left.resize(kept);
    tree.missing_rules.assign(kept, ir::MissingRule::NanToDefault);
    tree.leaf_values.assign(kept * leaf_size, 0.0);
    for (size_t j = 0; j < kept; ++j) {
      const int32_t i = order[j];
      const bool leaf = left[i] == -1;
      tree.left_children[j] = leaf ? -1 : new_index[left[i]];
      tree.right_children[j] = leaf ? -1 : new_index[right[i]];
      tree.default_left[j] = static_cast<uint8_t>(default_left[i]);
      if (leaf) {
        // A leaf keeps its value in split_conditions (a union in XGBoost's RegTree);
        // vector leaves keep theirs in base_weights.
        if (leaf_size == 1) {
          tree.leaf_values[j] = conditions[i];
        } else {
          std::copy_n(&base_weights[static_cast<size_t>(i) * leaf_size], leaf_size, &tree.leaf_values[j * leaf_size]);
        }
        tree.split_kinds[j] = ir::SplitKind::Less;
        continue;
      }
      tree.split_features[j] = static_cast<int32_t>(split_index[i]);
      tree.split_kinds[j] = split_type[i] == 1 ? ir::SplitKind::Categorical : ir::SplitKind::Less;
      if (split_type[i] != 1) {
        if (std::isnan(conditions[i])) tj["split_conditions"].fail_at(i, "split threshold is NaN");
        tree.thresholds[j] = conditions[i];
      }
    }
    read_categories(tj, n, split_type, new_index, tree);
    return tree;
  }

  // Categorical splits: node categories_nodes[k] sends the categories
  // categories[segments[k] .. segments[k] + sizes[k]) to the right.
  void read_categories(const JsonView& tj, int64_t n, const std::vector<uint8_t>& split_type,
                       const std::vector<int32_t>& new_index, ir::Tree& tree) {
    bool any_categorical = std::find(split_type.begin(), split_type.end(), 1) != split_type.end();
    if (!any_categorical) return;
    JsonView nodes_v = tj["categories_nodes"];
    JsonView segments_v = tj["categories_segments"];
    JsonView sizes_v = tj["categories_sizes"];
    JsonView categories_v = tj["categories"];
    auto nodes = nodes_v.int_array(0, n - 1);
    auto segments = segments_v.int_array(0, std::numeric_limits<int64_t>::max());
    auto sizes = sizes_v.int_array(0, std::numeric_limits<int64_t>::max());
    // Categories >= 2^24 cannot be represented exactly by XGBoost's float inputs.
    auto categories = categories_v.int_array(0, (1 << 24) - 1);
    if (segments.size() != nodes.size() || sizes.size() != nodes.size())
      nodes_v.fail("categories_nodes, categories_segments and categories_sizes differ in length");
    for (size_t k = 0; k < nodes.size(); ++k) {
      const int64_t node = nodes[k];
      if (split_type[node] != 1) nodes_v.fail_at(k, "node " + std::to_string(node) + " is not a categorical split");
      if (new_index[node] >= 0 && tree.is_leaf(new_index[node]))
        nodes_v.fail_at(k, "node " + std::to_string(node) + " is a leaf");
      if (segments[k] > static_cast<int64_t>(categories.size()) ||
          sizes[k] > static_cast<int64_t>(categories.size()) - segments[k])
        segments_v.fail("segment " + std::to_string(k) + " runs past the end of categories");
      if (new_index[node] < 0) continue;  // a deleted node
      std::vector<uint32_t> set(categories.begin() + segments[k], categories.begin() + segments[k] + sizes[k]);
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      tree.categorical_nodes.push_back(new_index[node]);
      tree.category_sets.push_back(std::move(set));
    }
    for (size_t j = 0; j < tree.split_kinds.size(); ++j)
      if (tree.split_kinds[j] == ir::SplitKind::Categorical &&
          std::find(tree.categorical_nodes.begin(), tree.categorical_nodes.end(), static_cast<int32_t>(j)) ==
              tree.categorical_nodes.end())
        nodes_v.fail("a categorical split has no entry in categories_nodes");
  }

  void read_gblinear(const JsonView& model, ir::Model& m) {
    JsonView weights_v = model["weights"];
    std::vector<double> weights = weights_v.f32_array_widened();
    const size_t groups = m.num_outputs;
    const size_t expected = (static_cast<size_t>(m.num_features) + 1) * groups;
    if (weights.size() != expected)
      weights_v.fail("has " + std::to_string(weights.size()) + " values, expected " + std::to_string(expected) +
                     " ((num_feature + 1) x " + std::to_string(groups) + " outputs)");
    // gblinear starts every output from the first intercept, even when XGBoost (3.1+)
    // stores one per class (measured on 3.2.0: margins differ from the gbtree rule by
    // exactly base[k] - base[0]).
    for (double& base : m.output.base_scores) base = m.output.base_scores[0];
    m.has_linear = true;
    m.linear.num_outputs = m.num_outputs;
    m.linear.input_precision = Precision::Float32;
    m.linear.weights.assign(weights.begin(), weights.end() - groups);
    m.linear.bias.assign(weights.end() - groups, weights.end());
  }

  JsonView root_;
  std::string container_;
};

}  // namespace

bool is_xgboost_document(const JsonValue& document) {
  return document.kind == JsonValue::Kind::Object && document.find("learner") != nullptr;
}

ir::Model import_xgboost(const JsonValue& document, const std::string& file, const std::string& container) {
  return XGBoostImporter(document, file, container).run();
}

}  // namespace xylem::formats
