// Writes the IR as xylem JSON. Numbers use the shortest text that reads back to
// the same value in their precision (float32 values as floats, so a threshold reads
// "0.3" rather than "0.30000001192092896"); NaN and infinities are the strings
// "nan", "inf", "-inf" so that the file stays standard JSON.
#include <charconv>
#include <cmath>

#include "formats/xylem_json.h"
#include "formats/xylem_json_names.h"

namespace xylem::formats {
namespace {

class Writer {
 public:
  std::string take() { return std::move(out_); }

  void raw(std::string_view s) { out_ += s; }

  void string(std::string_view s) {
    out_ += '"';
    for (char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  void number(double v, ir::Precision precision) {
    if (std::isnan(v)) return string("nan");
    if (std::isinf(v)) return string(v > 0 ? "inf" : "-inf");
    char buf[64];
    std::to_chars_result r = precision == ir::Precision::Float32
                                 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                                 : std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }

  void integer(int64_t v) { out_ += std::to_string(v); }

  void key(std::string_view k) {
    string(k);
    out_ += ": ";
  }

  template <typename T, typename Fn>
  void array(const std::vector<T>& values, Fn&& each) {
    out_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out_ += ", ";
      each(values[i]);
    }
    out_ += ']';
  }

  void numbers(const std::vector<double>& values, ir::Precision p) {
    array(values, [&](double v) { number(v, p); });
  }

  template <typename Int>
  void integers(const std::vector<Int>& values) {
    array(values, [&](Int v) { integer(static_cast<int64_t>(v)); });
  }

 private:
  std::string out_;
};

void write_tree(Writer& w, const ir::Model& m, const ir::Tree& t) {
  const ir::Precision values_p = m.output.accumulation;
  // One comparison and one missing rule for the whole tree when its numeric nodes agree.
  bool mixed_kinds = false, mixed_rules = false;
  ir::SplitKind kind = ir::SplitKind::Less;
  ir::MissingRule rule = ir::MissingRule::NanToDefault;
  bool first = true;
  for (int32_t i = 0; i < t.num_nodes(); ++i) {
    if (t.is_leaf(i) || t.split_kinds[i] == ir::SplitKind::Categorical) continue;
    if (first) {
      kind = t.split_kinds[i];
      rule = t.missing_rules[i];
      first = false;
    }
    mixed_kinds |= t.split_kinds[i] != kind;
    mixed_rules |= t.missing_rules[i] != rule;
  }
  w.raw("    {");
  w.key("output"); w.integer(t.output);
  w.raw(", "); w.key("weight"); w.number(t.weight, values_p);
  w.raw(", "); w.key("leaf_size"); w.integer(t.leaf_size);
  w.raw(", "); w.key("comparison"); w.string(comparison_name(kind));
  w.raw(", "); w.key("missing_rule"); w.string(missing_rule_name(rule));
  w.raw(",\n     "); w.key("left_children"); w.integers(t.left_children);
  w.raw(",\n     "); w.key("right_children"); w.integers(t.right_children);
  w.raw(",\n     "); w.key("split_features"); w.integers(t.split_features);
  w.raw(",\n     "); w.key("thresholds"); w.numbers(t.thresholds, m.ensemble.threshold_precision);
  w.raw(",\n     "); w.key("default_left"); w.integers(t.default_left);
  w.raw(",\n     "); w.key("leaf_values"); w.numbers(t.leaf_values, values_p);
  if (mixed_kinds) {
    w.raw(",\n     "); w.key("comparisons");
    w.array(t.split_kinds, [&](ir::SplitKind k) { w.string(k == ir::SplitKind::Categorical ? "category" : comparison_name(k)); });
  }
  if (mixed_rules) {
    w.raw(",\n     "); w.key("missing_rules");
    w.array(t.missing_rules, [&](ir::MissingRule r) { w.string(missing_rule_name(r)); });
  }
  if (!t.categorical_nodes.empty()) {
    w.raw(",\n     "); w.key("categorical_nodes"); w.integers(t.categorical_nodes);
    w.raw(",\n     "); w.key("category_sets");
    w.array(t.category_sets, [&](const std::vector<uint32_t>& set) { w.integers(set); });
  }
  if (t.has_linear_leaves()) {
    // LightGBM computes linear leaves in float64 whatever the accumulation precision.
    w.raw(",\n     "); w.key("linear_leaves"); w.raw("{");
    w.key("constants"); w.numbers(t.linear_constants, ir::Precision::Float64);
    w.raw(",\n                       "); w.key("offsets"); w.integers(t.linear_offsets);
    w.raw(",\n                       "); w.key("features"); w.integers(t.linear_features);
    w.raw(",\n                       "); w.key("coefficients"); w.numbers(t.linear_coefficients, ir::Precision::Float64);
    w.raw("}");
  }
  w.raw("}");
}

void write_network(Writer& w, const ir::Network& net) {
  w.raw(",\n  "); w.key("network"); w.raw("{");
  w.key("precision"); w.string(ir::to_string(net.precision));
  w.raw(", "); w.key("layers"); w.raw("[");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const ir::DenseLayer& l = net.layers[i];
    w.raw(i ? ",\n    {" : "\n    {");
    w.key("inputs"); w.integer(l.inputs);
    w.raw(", "); w.key("outputs"); w.integer(l.outputs);
    w.raw(", "); w.key("activation"); w.string(ir::to_string(l.activation));
    if (l.activation == ir::Activation::LeakyRelu) { w.raw(", "); w.key("alpha"); w.number(l.alpha, ir::Precision::Float64); }
    w.raw(",\n     "); w.key("bias"); w.numbers(l.bias, net.precision);
    if (l.has_int8) {
      w.raw(",\n     "); w.key("int8"); w.raw("{");
      w.key("scales"); w.numbers(l.int8.scales, ir::Precision::Float32);
      if (l.int8.static_input_scale) { w.raw(", "); w.key("input_scale"); w.number(l.int8.input_scale, ir::Precision::Float32); }
      if (l.int8.unsigned_input) { w.raw(", "); w.key("unsigned_input"); w.raw("true"); }
      w.raw(",\n              "); w.key("values"); w.integers(l.int8.values);
      w.raw("}");
    } else {
      w.raw(",\n     "); w.key("weights"); w.numbers(l.weights, net.precision);
    }
    w.raw("}");
  }
  w.raw("\n  ]}");
}

void write_preprocessing(Writer& w, const ir::Model& m) {
  const ir::Precision f64 = ir::Precision::Float64;
  w.raw(",\n  "); w.key("preprocessing"); w.raw("{");
  w.key("input_names"); w.array(m.input_names, [&](const std::string& s) { w.string(s); });
  w.raw(", "); w.key("steps"); w.raw("[");
  for (size_t i = 0; i < m.steps.size(); ++i) {
    const ir::Step& st = m.steps[i];
    w.raw(i ? ",\n    {" : "\n    {");
    w.key("kind"); w.string(ir::to_string(st.kind));
    w.raw(", "); w.key("inputs"); w.integer(st.inputs);
    if (st.precision == ir::Precision::Float32) { w.raw(", "); w.key("precision"); w.string("float32"); }
    switch (st.kind) {
      case ir::StepKind::StandardScale:
        w.raw(", "); w.key("offsets"); w.numbers(st.offsets, f64);
        w.raw(", "); w.key("scales"); w.numbers(st.scales, f64);
        break;
      case ir::StepKind::MinMaxScale:
        w.raw(", "); w.key("scales"); w.numbers(st.scales, f64);
        w.raw(", "); w.key("offsets"); w.numbers(st.offsets, f64);
        if (st.clip) { w.raw(", "); w.key("clip"); w.numbers({st.clip_min, st.clip_max}, f64); }
        break;
      case ir::StepKind::MaxAbsScale:
        w.raw(", "); w.key("scales"); w.numbers(st.scales, f64);
        break;
      case ir::StepKind::ImputeConstant:
        w.raw(", "); w.key("values"); w.numbers(st.values, f64);
        break;
      case ir::StepKind::OneHot:
        w.raw(", "); w.key("columns"); w.integers(st.columns);
        w.raw(", "); w.key("categories");
        w.array(st.categories, [&](const std::vector<double>& c) { w.numbers(c, f64); });
        break;
      case ir::StepKind::SelectColumns:
        w.raw(", "); w.key("columns"); w.integers(st.columns);
        break;
      case ir::StepKind::ShiftScale:
        w.raw(", "); w.key("offsets"); w.numbers(st.offsets, f64);
        w.raw(", "); w.key("scales"); w.numbers(st.scales, f64);
        break;
      case ir::StepKind::Normalize:
        w.raw(", "); w.key("norm");
        w.string(st.norm == ir::Norm::L1 ? "l1" : st.norm == ir::Norm::L2 ? "l2" : "max");
        break;
    }
    w.raw("}");
  }
  w.raw("\n  ]}");
}

}  // namespace

std::string write_xylem_json(const ir::Model& m) {
  Writer w;
  const ir::Precision values_p = m.output.accumulation;
  w.raw("{\n  "); w.key("format"); w.string("xylem");
  w.raw(",\n  "); w.key("version"); w.integer(kXylemFormatVersion);
  w.raw(",\n  "); w.key("source"); w.raw("{");
  w.key("library"); w.string(m.source.library);
  w.raw(", "); w.key("version"); w.string(m.source.version);
  w.raw(", "); w.key("format"); w.string(m.source.format);
  w.raw(", "); w.key("objective"); w.string(m.source.objective);
  w.raw(", "); w.key("booster"); w.string(m.source.booster);
  w.raw(", "); w.key("best_iteration"); w.integer(m.source.best_iteration);
  w.raw("}");
  w.raw(",\n  "); w.key("task"); w.string(ir::to_string(m.task));
  if (!m.class_labels.empty()) {
    w.raw(",\n  "); w.key("class_labels");
    w.array(m.class_labels, [&](const std::string& s) {
      if (m.class_labels_are_numbers) w.raw(s);
      else w.string(s);
    });
  }
  w.raw(",\n  "); w.key("num_features"); w.integer(m.num_features);
  w.raw(",\n  "); w.key("features"); w.raw("{");
  w.key("names"); w.array(m.feature_names, [&](const std::string& s) { w.string(s); });
  w.raw(",\n               "); w.key("types");
  w.array(m.feature_types, [&](ir::FeatureType t) { w.string(feature_type_name(t)); });
  if (!m.category_labels.empty()) {
    w.raw(",\n               "); w.key("category_labels");
    w.array(m.category_labels, [&](const std::vector<std::string>& labels) {
      w.array(labels, [&](const std::string& s) { w.string(s); });
    });
  }
  if (m.unknown_category_label_is_error) {
    w.raw(",\n               "); w.key("unknown_category_label"); w.string("error");
  }
  w.raw("}");
  w.raw(",\n  "); w.key("num_outputs"); w.integer(m.num_outputs);

  const ir::OutputStage& o = m.output;
  w.raw(",\n  "); w.key("output"); w.raw("{");
  w.key("accumulation"); w.string(ir::to_string(o.accumulation));
  w.raw(", "); w.key("aggregation"); w.string(aggregation_name(o.aggregation));
  if (o.margin_before_average) { w.raw(", "); w.key("margin_before_average"); w.raw("true"); }
  w.raw(", "); w.key("base_scores"); w.numbers(o.base_scores, values_p);
  w.raw(", "); w.key("base_scores_first"); w.raw(o.base_scores_first ? "true" : "false");
  w.raw(",\n             "); w.key("scale"); w.number(o.scale, ir::Precision::Float64);
  w.raw(", "); w.key("transform"); w.string(ir::to_string(o.transform));
  w.raw(", "); w.key("transform_precision"); w.string(ir::to_string(o.transform_precision));
  w.raw(", "); w.key("sigmoid_alpha"); w.number(o.sigmoid_alpha, ir::Precision::Float64);
  if (o.label_rule != ir::LabelRule::Auto) { w.raw(", "); w.key("label_rule"); w.string(ir::to_string(o.label_rule)); }
  w.raw("}");

  const ir::TreeEnsemble& e = m.ensemble;
  w.raw(",\n  "); w.key("tree_rules"); w.raw("{");
  w.key("input_precision"); w.string(ir::to_string(e.input_precision));
  w.raw(", "); w.key("threshold_precision"); w.string(ir::to_string(e.threshold_precision));
  w.raw(", "); w.key("categories_go"); w.string(e.categories_go_right ? "right" : "left");
  w.raw(",\n                 "); w.key("category_rule"); w.raw("{");
  w.key("negative_fraction_is_zero"); w.raw(e.category_rule.negative_fraction_is_zero ? "true" : "false");
  w.raw(", "); w.key("limit"); w.number(e.category_rule.limit, ir::Precision::Float64);
  w.raw(", "); w.key("invalid"); w.string(e.category_rule.invalid_to_default ? "default" : "non_member_side");
  w.raw(", "); w.key("key"); w.string(e.category_rule.key == ir::CategoryKey::DecimalHash    ? "decimal_hash"
           : e.category_rule.key == ir::CategoryKey::ExactInteger ? "exact_integer"
                                                                   : "truncate");
  w.raw("}");
  w.raw(",\n                 "); w.key("trees_per_iteration"); w.integer(e.trees_per_iteration);
  w.raw(", "); w.key("tiny_inputs_are_zero"); w.raw(e.tiny_inputs_are_zero ? "true" : "false");
  w.raw("}");

  w.raw(",\n  "); w.key("trees"); w.raw("[");
  for (size_t t = 0; t < e.trees.size(); ++t) {
    w.raw(t ? ",\n" : "\n");
    write_tree(w, m, e.trees[t]);
  }
  w.raw(e.trees.empty() ? "]" : "\n  ]");

  if (m.has_linear) {
    w.raw(",\n  "); w.key("linear"); w.raw("{");
    w.key("num_outputs"); w.integer(m.linear.num_outputs);
    w.raw(", "); w.key("input_precision"); w.string(ir::to_string(m.linear.input_precision));
    w.raw(", "); w.key("missing"); w.string(m.linear.skip_missing ? "skip" : "propagate");
    w.raw(",\n             "); w.key("bias"); w.numbers(m.linear.bias, values_p);
    w.raw(",\n             "); w.key("weights"); w.numbers(m.linear.weights, values_p);
    w.raw("}");
  }
  if (m.has_network) write_network(w, m.network);
  if (!m.steps.empty()) write_preprocessing(w, m);
  w.raw("\n}\n");
  return w.take();
}

}  // namespace xylem::formats
