// Reads xylem JSON into the IR, then validates it. Every error names the file and
// the JSON path of the offending value.
#include <limits>

#include "engine/ir/validate.h"
#include "formats/json_view.h"
#include "formats/xylem_json.h"
#include "formats/xylem_json_names.h"

namespace xylem::formats {
namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

template <typename T>
T enum_value(const JsonView& v, std::optional<T> (*parse)(std::string_view), const char* allowed) {
  std::string s = v.str();
  std::optional<T> value = parse(s);
  if (!value) v.fail("unknown value \"" + s + "\" (expected " + allowed + ")");
  return *value;
}

ir::Precision precision(const JsonView& v) { return enum_value(v, parse_precision, "float32 or float64"); }

// Reads an array of `precision` numbers: float32 values are parsed straight to float.
std::vector<double> numbers(const JsonView& v, ir::Precision p) {
  return p == ir::Precision::Float32 ? v.f32_array_widened() : v.f64_array();
}

template <typename Int>
std::vector<Int> integers(const JsonView& v, int64_t min, int64_t max) {
  return v.template int_array_as<Int>(min, max);
}

class XylemReader {
 public:
  XylemReader(const JsonValue& doc, const std::string& file) : root_(doc, file, ""), file_(file) {}

  ir::Model run() {
    ir::Model m;
    if (root_["format"].str() != "xylem") root_["format"].fail("not a xylem model");
    version_ = root_["version"].integer(0, kMaxInt32);
    if (version_ < 1 || version_ > kXylemFormatVersion)
      root_["version"].fail("format version " + std::to_string(version_) +
                            " is not supported (this build reads versions 1 to " +
                            std::to_string(kXylemFormatVersion) + ")");
    read_source(m);
    m.task = enum_value(root_["task"], parse_task,
                        "regression, binary_classification, multiclass_classification, multi_target_regression, ranking "
                        "or survival");
    m.num_features = static_cast<int32_t>(root_["num_features"].integer(0, ir::kMaxFeatures));
    JsonView features = root_["features"];
    m.feature_names = features["names"].string_array();
    JsonView types = features["types"];
    for (size_t i = 0; i < types.size(); ++i)
      m.feature_types.push_back(enum_value(types[i], parse_feature_type, "numeric or categorical"));
    if (features.has("category_labels")) {
      JsonView labels = features["category_labels"];
      for (size_t f = 0; f < labels.size(); ++f) m.category_labels.push_back(labels[f].string_array());
    }
    if (features.has("unknown_category_label")) {
      JsonView unknown = features["unknown_category_label"];
      const std::string policy = unknown.str();
      if (policy != "missing" && policy != "error")
        unknown.fail("unknown value \"" + policy + "\" (expected missing or error)");
      if (policy == "error") need_version(unknown, 4, "unknown_category_label \"error\"");
      m.unknown_category_label_is_error = policy == "error";
    }
    m.num_outputs = static_cast<int32_t>(root_["num_outputs"].integer(1, 1 << 20));
    if (root_.has("class_labels")) read_class_labels(root_["class_labels"], m);
    read_output(m);
    read_tree_rules(m);
    JsonView trees = root_["trees"];
    m.ensemble.trees.reserve(trees.size());
    for (size_t t = 0; t < trees.size(); ++t) m.ensemble.trees.push_back(read_tree(trees[t], m));
    if (root_.has("linear")) read_linear(root_["linear"], m);
    if (root_.has("network")) read_network(version_2_key("network"), m);
    if (root_.has("preprocessing")) read_preprocessing(version_2_key("preprocessing"), m);
    ir::validate(m, file());
    return m;
  }

 private:
  const std::string& file() const { return file_; }

  void read_source(ir::Model& m) {
    JsonView s = root_["source"];
    m.source.library = s["library"].str();
    m.source.version = s["version"].str();
    m.source.format = s["format"].str();
    m.source.objective = s["objective"].str();
    m.source.booster = s.has("booster") ? s["booster"].str() : "";
    m.source.best_iteration = s.has("best_iteration") ? s["best_iteration"].integer(-1, kMaxInt32) : -1;
  }

  void read_output(ir::Model& m) {
    JsonView o = root_["output"];
    ir::OutputStage& out = m.output;
    out.accumulation = precision(o["accumulation"]);
    out.aggregation = enum_value(o["aggregation"], parse_aggregation, "sum or average");
    out.margin_before_average = o.has("margin_before_average") && o["margin_before_average"].boolean();
    out.base_scores = numbers(o["base_scores"], out.accumulation);
    out.base_scores_first = o["base_scores_first"].boolean();
    out.scale = o["scale"].f64();
    out.transform = enum_value(o["transform"], parse_transform,
                               "identity, sigmoid, softmax, exp, hinge_class, argmax_class, signed_square, softplus, sigmoid_pair, "
                               "normalized_sigmoid, softmax_zero, probit, negated_pair, complement_pair, sort_ascending or "
                               "cumulative_softplus");
    if (out.transform >= ir::Transform::SoftmaxZero)
      need_version(o["transform"], out.transform >= ir::Transform::SortAscending ? 4 : 3,
                   std::string("transform \"") + ir::to_string(out.transform) + "\"");
    out.transform_precision = precision(o["transform_precision"]);
    out.sigmoid_alpha = o["sigmoid_alpha"].f64();
    if (o.has("label_rule")) {
      out.label_rule = enum_value(o["label_rule"], parse_label_rule, "auto, margin_positive, margin_non_negative or argmax_margin");
      need_version(o["label_rule"], 4, "label_rule");
    }
  }

  void read_tree_rules(ir::Model& m) {
    JsonView r = root_["tree_rules"];
    ir::TreeEnsemble& e = m.ensemble;
    e.input_precision = precision(r["input_precision"]);
    e.threshold_precision = precision(r["threshold_precision"]);
    std::string side = r["categories_go"].str();
    if (side != "left" && side != "right") r["categories_go"].fail("expected \"left\" or \"right\", found \"" + side + "\"");
    e.categories_go_right = side == "right";
    JsonView c = r["category_rule"];
    e.category_rule.negative_fraction_is_zero = c["negative_fraction_is_zero"].boolean();
    e.category_rule.limit = c["limit"].f64();
    if (!(e.category_rule.limit >= 1 && e.category_rule.limit <= 4294967296.0))
      c["limit"].fail("category limit must be in [1, 2^32]");
    std::string invalid = c["invalid"].str();
    if (invalid != "default" && invalid != "non_member_side")
      c["invalid"].fail("expected \"default\" or \"non_member_side\", found \"" + invalid + "\"");
    e.category_rule.invalid_to_default = invalid == "default";
    if (c.has("key")) {
      std::string key = c["key"].str();
      if (key != "truncate" && key != "decimal_hash" && key != "exact_integer")
        c["key"].fail("expected \"truncate\", \"decimal_hash\" or \"exact_integer\", found \"" + key + "\"");
      if (key == "exact_integer") need_version(c["key"], 3, "key \"exact_integer\"");
      e.category_rule.key = key == "decimal_hash"    ? ir::CategoryKey::DecimalHash
                            : key == "exact_integer" ? ir::CategoryKey::ExactInteger
                                                     : ir::CategoryKey::Truncate;
    }
    if (r.has("tiny_inputs_are_zero")) e.tiny_inputs_are_zero = r["tiny_inputs_are_zero"].boolean();
    if (r.has("trees_per_iteration"))
      e.trees_per_iteration = static_cast<int32_t>(r["trees_per_iteration"].integer(1, kMaxInt32));
  }

  ir::Tree read_tree(const JsonView& tj, const ir::Model& m) {
    const ir::Precision values_p = m.output.accumulation;
    ir::Tree t;
    t.output = static_cast<int32_t>(tj["output"].integer(0, kMaxInt32));
    t.weight = values_p == ir::Precision::Float32 ? tj["weight"].f32() : tj["weight"].f64();
    t.leaf_size = static_cast<int32_t>(tj["leaf_size"].integer(1, 1 << 20));
    const ir::SplitKind kind = enum_value(tj["comparison"], parse_comparison, "< or <=");
    if (kind == ir::SplitKind::Categorical) tj["comparison"].fail("a tree's comparison must be < or <=");
    const ir::MissingRule rule =
        enum_value(tj["missing_rule"], parse_missing_rule, "nan_to_default, nan_as_zero or zero_and_nan_to_default");
    t.left_children = integers<int32_t>(tj["left_children"], -1, kMaxInt32);
    t.right_children = integers<int32_t>(tj["right_children"], -1, kMaxInt32);
    t.split_features = integers<int32_t>(tj["split_features"], 0, kMaxInt32);
    t.thresholds = numbers(tj["thresholds"], m.ensemble.threshold_precision);
    t.default_left = integers<uint8_t>(tj["default_left"], 0, 1);
    t.leaf_values = numbers(tj["leaf_values"], values_p);
    const size_t n = t.left_children.size();
    if (tj.has("comparisons")) {
      JsonView kinds = tj["comparisons"];
      for (size_t i = 0; i < kinds.size(); ++i)
        t.split_kinds.push_back(enum_value(kinds[i], parse_comparison, "<, <= or category"));
    } else {
      t.split_kinds.assign(n, kind);
    }
    if (tj.has("missing_rules")) {
      JsonView rules = tj["missing_rules"];
      for (size_t i = 0; i < rules.size(); ++i)
        t.missing_rules.push_back(
            enum_value(rules[i], parse_missing_rule, "nan_to_default, nan_as_zero or zero_and_nan_to_default"));
    } else {
      t.missing_rules.assign(n, rule);
    }
    if (tj.has("categorical_nodes")) {
      t.categorical_nodes = integers<int32_t>(tj["categorical_nodes"], 0, kMaxInt32);
      JsonView sets = tj["category_sets"];
      for (size_t k = 0; k < sets.size(); ++k) t.category_sets.push_back(integers<uint32_t>(sets[k], 0, 4294967295LL));
      // The node list decides which nodes are categorical (validate() checks the rest).
      for (int32_t node : t.categorical_nodes)
        if (node < static_cast<int32_t>(t.split_kinds.size())) t.split_kinds[node] = ir::SplitKind::Categorical;
    }
    if (tj.has("linear_leaves")) {
      JsonView lj = tj["linear_leaves"];
      t.linear_constants = lj["constants"].f64_array();
      t.linear_offsets = integers<int32_t>(lj["offsets"], 0, kMaxInt32);
      t.linear_features = integers<int32_t>(lj["features"], 0, kMaxInt32);
      t.linear_coefficients = lj["coefficients"].f64_array();
    }
    return t;
  }

  void read_linear(const JsonView& lj, ir::Model& m) {
    m.has_linear = true;
    m.linear.num_outputs = static_cast<int32_t>(lj["num_outputs"].integer(1, 1 << 20));
    m.linear.input_precision = precision(lj["input_precision"]);
    m.linear.bias = numbers(lj["bias"], m.output.accumulation);
    m.linear.weights = numbers(lj["weights"], m.output.accumulation);
    if (lj.has("missing")) {
      if (version_ < 2) lj["missing"].fail("needs format version 2 (the file says " + std::to_string(version_) + ")");
      const std::string missing = lj["missing"].str();
      if (missing != "skip" && missing != "propagate")
        lj["missing"].fail("expected \"skip\" or \"propagate\", found \"" + missing + "\"");
      m.linear.skip_missing = missing == "skip";
    }
  }

  // Integers or strings, all of one kind (an informational key before version 3: older
  // readers ignore it).
  static void read_class_labels(const JsonView& labels, ir::Model& m) {
    if (labels.size() > 0 && labels.value().items.empty()) {  // an array of numbers only
      m.class_labels_are_numbers = true;
      for (int64_t v : labels.int_array(-(int64_t{1} << 53), int64_t{1} << 53)) m.class_labels.push_back(std::to_string(v));
      return;
    }
    for (size_t k = 0; k < labels.size(); ++k) {
      if (labels[k].kind() != JsonValue::Kind::String) labels[k].fail("class labels must be all integers or all strings");
      m.class_labels.push_back(labels[k].str());
    }
  }

  void need_version(const JsonView& v, int64_t version, const std::string& what) const {
    if (version_ < version)
      v.fail(what + " needs format version " + std::to_string(version) + " (the file says " + std::to_string(version_) + ")");
  }

  JsonView version_2_key(const char* key) const {
    JsonView v = root_[key];
    if (version_ < 2) v.fail(std::string(key) + " needs format version 2 (the file says " + std::to_string(version_) + ")");
    return v;
  }

  void read_network(const JsonView& nj, ir::Model& m) {
    m.has_network = true;
    ir::Network& net = m.network;
    net.precision = precision(nj["precision"]);
    JsonView layers = nj["layers"];
    for (size_t i = 0; i < layers.size(); ++i) {
      JsonView lj = layers[i];
      ir::DenseLayer l;
      l.inputs = static_cast<int32_t>(lj["inputs"].integer(1, ir::kMaxFeatures));
      l.outputs = static_cast<int32_t>(lj["outputs"].integer(1, ir::kMaxFeatures));
      l.activation = enum_value(lj["activation"], parse_activation,
                                "identity, relu, leaky_relu, tanh, logistic, softmax or gelu");
      if (lj.has("alpha")) l.alpha = lj["alpha"].f64();
      l.bias = numbers(lj["bias"], net.precision);
      if (lj.has("int8")) {
        if (lj.has("weights")) lj["weights"].fail("a layer has either weights or int8, not both");
        JsonView qj = lj["int8"];
        l.has_int8 = true;
        l.int8.values = integers<int8_t>(qj["values"], -127, 127);
        l.int8.scales = qj["scales"].f32_array_widened();
        if (qj.has("input_scale")) {
          l.int8.static_input_scale = true;
          l.int8.input_scale = qj["input_scale"].f32();
        }
        if (qj.has("unsigned_input")) l.int8.unsigned_input = qj["unsigned_input"].boolean();
      } else {
        l.weights = numbers(lj["weights"], net.precision);
      }
      net.layers.push_back(std::move(l));
    }
  }

  void read_preprocessing(const JsonView& pj, ir::Model& m) {
    m.input_names = pj["input_names"].string_array();
    JsonView steps = pj["steps"];
    if (steps.size() == 0) steps.fail("preprocessing needs at least one step (leave it out for none)");
    for (size_t i = 0; i < steps.size(); ++i) {
      JsonView sj = steps[i];
      ir::Step st;
      st.kind = enum_value(sj["kind"], parse_step_kind,
                           "standard_scale, min_max_scale, max_abs_scale, impute_constant, one_hot, select_columns, "
                           "shift_scale or normalize");
      st.inputs = static_cast<int32_t>(sj["inputs"].integer(1, ir::kMaxFeatures));
      if (st.kind == ir::StepKind::ShiftScale || st.kind == ir::StepKind::Normalize)
        need_version(sj["kind"], 3, std::string("step kind \"") + ir::to_string(st.kind) + "\"");
      if (sj.has("precision")) {
        need_version(sj["precision"], 3, "a step's precision");
        st.precision = enum_value(sj["precision"], parse_precision, "float32 or float64");
      }
      switch (st.kind) {
        case ir::StepKind::StandardScale:
          st.offsets = sj["offsets"].f64_array();
          st.scales = sj["scales"].f64_array();
          break;
        case ir::StepKind::MinMaxScale:
          st.scales = sj["scales"].f64_array();
          st.offsets = sj["offsets"].f64_array();
          if (sj.has("clip")) {
            const std::vector<double> clip = sj["clip"].f64_array();
            if (clip.size() != 2) sj["clip"].fail("expected [low, high], found " + std::to_string(clip.size()) + " numbers");
            st.clip = true;
            st.clip_min = clip[0];
            st.clip_max = clip[1];
          }
          break;
        case ir::StepKind::MaxAbsScale:
          st.scales = sj["scales"].f64_array();
          break;
        case ir::StepKind::ImputeConstant:
          st.values = sj["values"].f64_array();
          break;
        case ir::StepKind::OneHot: {
          st.columns = integers<int32_t>(sj["columns"], 0, kMaxInt32);
          JsonView cats = sj["categories"];
          for (size_t k = 0; k < cats.size(); ++k) st.categories.push_back(cats[k].f64_array());
          break;
        }
        case ir::StepKind::SelectColumns:
          st.columns = integers<int32_t>(sj["columns"], 0, kMaxInt32);
          break;
        case ir::StepKind::ShiftScale:
          st.offsets = sj["offsets"].f64_array();
          st.scales = sj["scales"].f64_array();
          break;
        case ir::StepKind::Normalize: {
          const std::string norm = sj["norm"].str();
          if (norm != "l1" && norm != "l2" && norm != "max")
            sj["norm"].fail("expected \"l1\", \"l2\" or \"max\", found \"" + norm + "\"");
          st.norm = norm == "l1" ? ir::Norm::L1 : norm == "l2" ? ir::Norm::L2 : ir::Norm::Max;
          break;
        }
      }
      m.steps.push_back(std::move(st));
    }
  }

  JsonView root_;
  const std::string& file_;
  int64_t version_ = 0;
};

}  // namespace

bool is_xylem_document(const JsonValue& document) {
  if (document.kind != JsonValue::Kind::Object) return false;
  const JsonValue* format = document.find("format");
  return format && format->kind == JsonValue::Kind::String && format->text == "xylem";
}

ir::Model read_xylem_json(const JsonValue& document, const std::string& file) {
  return XylemReader(document, file).run();
}

}  // namespace xylem::formats
