// Reads the JSON of LightGBM's Booster.dump_model() (src/boosting/gbdt_model_text.cpp
// DumpModel, src/io/tree.cpp NodeToJSON): nested nodes with split_index / leaf_index.
// LightGBM clamps infinite thresholds to +-1e300 in this dump (Common::AvoidInf);
// the reader turns them back into infinities, so both files predict alike.
#include <charconv>
#include <cmath>
#include <limits>

#include "formats/json_view.h"
#include "formats/lightgbm_importer.h"
#include "formats/lightgbm_model.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

lightgbm::Locator locator_at(const std::string& file, const std::string& path) {
  return [file, path](const std::string& field) { return file + ": " + path + " (" + field + ")"; };
}

class JsonReader {
 public:
  JsonReader(const JsonValue& doc, const std::string& file) : root_(doc, file, ""), file_(file) {}

  lightgbm::Model run() {
    lightgbm::Model m;
    m.format = "json";
    if (root_.has("version")) {
      m.version = root_["version"].str();
      if (m.version != "v2" && m.version != "v3" && m.version != "v4")
        root_["version"].fail("LightGBM model version \"" + m.version + "\" is not supported (xylem reads v2, v3 and v4)");
    }
    m.num_class = root_["num_class"].integer(1, 1 << 20);
    m.num_tree_per_iteration =
        root_.has("num_tree_per_iteration") ? root_["num_tree_per_iteration"].integer(1, 1 << 20) : m.num_class;
    m.max_feature_idx = root_["max_feature_idx"].integer(0, kMaxInt32);
    if (root_.has("objective")) m.objective = root_["objective"].str();
    m.average_output = root_.has("average_output") && root_["average_output"].boolean();
    if (root_.has("feature_names")) m.feature_names = root_["feature_names"].string_array();
    m.where = [file = file_](const std::string& field) { return file + ": " + field; };
    // feature_infos (LightGBM >= 4): {name: {min_value, max_value, values}}; categorical
    // features list their values. Turned into the text model's notation.
    if (root_.has("feature_infos") && root_["feature_infos"].kind() == JsonValue::Kind::Object) {
      JsonView infos = root_["feature_infos"];
      for (const std::string& name : m.feature_names) {
        if (!infos.has(name)) {
          m.feature_infos.clear();
          break;
        }
        JsonView info = infos[name];
        const bool categorical = info.has("values") && info["values"].size() > 0;
        m.feature_infos.push_back(categorical ? "categorical" : "[numeric]");
      }
    }
    if (root_.has("pandas_categorical"))
      m.pandas_categorical = lightgbm::read_pandas_categorical(
          root_["pandas_categorical"].value(), [file = file_](const std::string& field) { return file + ": " + field; });
    JsonView infos = root_["tree_info"];
    for (size_t t = 0; t < infos.size(); ++t) m.trees.push_back(read_tree(infos[t], t));
    return m;
  }

 private:
  lightgbm::Tree read_tree(const JsonView& info, size_t index) {
    lightgbm::Tree t;
    t.where = locator_at(file_, info.path());
    if (info.has("tree_index") && info["tree_index"].integer(0, kMaxInt32) != static_cast<int64_t>(index))
      info["tree_index"].fail("tree " + std::to_string(index) + " says it is tree " +
                              std::to_string(info["tree_index"].integer(0, kMaxInt32)));
    t.num_leaves = info["num_leaves"].integer(1, 1 << 30);
    JsonView root = info["tree_structure"];
    // The arrays below are sized by num_leaves: a corrupted count must not ask for gigabytes.
    const int64_t present = count_leaves(root.value());
    if (present != t.num_leaves)
      info["num_leaves"].fail("num_leaves is " + std::to_string(t.num_leaves) + ", tree_structure has " +
                              std::to_string(present) + " leaves");
    const int64_t internal = t.num_leaves - 1;
    t.split_feature.assign(internal, -1);
    t.decision_type.assign(internal, 0);
    t.threshold.assign(internal, 0.0);
    t.left_child.assign(internal, 0);
    t.right_child.assign(internal, 0);
    t.leaf_value.assign(t.num_leaves, 0.0);
    internal_seen_.assign(internal, 0);
    leaf_seen_.assign(t.num_leaves, 0);
    if (t.num_leaves == 1) {
      t.is_linear = root.has("leaf_const");
      if (t.is_linear) resize_linear(t);
      read_leaf(root, t, 0);
      return t;
    }
    if (!root.has("split_index")) root.fail("the root of a tree with " + std::to_string(t.num_leaves) + " leaves is a leaf");
    t.is_linear = false;
    linear_known_ = false;
    int64_t root_index = read_node(root, t, 0);
    if (root_index != 0) root["split_index"].fail("the root node has split_index " + std::to_string(root_index) + ", expected 0");
    for (int64_t i = 0; i < internal; ++i)
      if (!internal_seen_[i]) root.fail("internal node " + std::to_string(i) + " is missing from the tree");
    for (int64_t j = 0; j < t.num_leaves; ++j)
      if (!leaf_seen_[j]) root.fail("leaf " + std::to_string(j) + " is missing from the tree");
    return t;
  }

  // The leaves under `node` (anything but a split node counts as one; read_node checks them).
  // The parser's nesting limit bounds the recursion.
  static int64_t count_leaves(const JsonValue& node) {
    if (node.kind != JsonValue::Kind::Object || !node.find("split_index")) return 1;
    int64_t n = 0;
    for (const char* side : {"left_child", "right_child"}) {
      const JsonValue* child = node.find(side);
      n += child ? count_leaves(*child) : 1;
    }
    return n;
  }

  void resize_linear(lightgbm::Tree& t) {
    t.leaf_const.assign(t.num_leaves, 0.0);
    t.leaf_features.assign(t.num_leaves, {});
    t.leaf_coeff.assign(t.num_leaves, {});
  }

  // Returns the LightGBM child code of `node`: its split_index, or ~leaf_index.
  int64_t read_node(const JsonView& node, lightgbm::Tree& t, int depth) {
    if (!node.has("split_index")) {
      const int64_t leaf = node["leaf_index"].integer(0, t.num_leaves - 1);
      if (!linear_known_) {
        t.is_linear = node.has("leaf_const");
        if (t.is_linear) resize_linear(t);
        linear_known_ = true;
      }
      read_leaf(node, t, leaf);
      return ~leaf;
    }
    const int64_t internal = t.num_leaves - 1;
    const int64_t i = node["split_index"].integer(0, internal - 1);
    if (internal_seen_[i]) node["split_index"].fail("split_index " + std::to_string(i) + " appears twice");
    internal_seen_[i] = 1;
    t.split_feature[i] = node["split_feature"].integer(0, kMaxInt32);
    const std::string kind = node["decision_type"].str();
    int64_t dt = 0;
    if (node["default_left"].boolean()) dt |= lightgbm::kDefaultLeftMask;
    if (kind == "==") {
      dt |= lightgbm::kCategoricalMask;
      t.threshold[i] = static_cast<double>(t.categories.size());
      t.categories.push_back(parse_categories(node["threshold"]));
    } else if (kind == "<=") {
      const std::string missing = node["missing_type"].str();
      if (missing == "Zero") dt |= lightgbm::kMissingZero << 2;
      else if (missing == "NaN") dt |= lightgbm::kMissingNaN << 2;
      else if (missing != "None")
        node["missing_type"].fail("unknown missing_type \"" + missing + "\" (expected None, Zero or NaN)");
      // dump_model clamps infinite thresholds to +-1e300 (Common::AvoidInf); real thresholds
      // are midpoints of data and never that large, so the clamp is undone.
      double thr = node["threshold"].f64();
      if (thr >= 1e300) thr = HUGE_VAL;
      if (thr <= -1e300) thr = -HUGE_VAL;
      t.threshold[i] = thr;
    } else {
      node["decision_type"].fail("unknown decision_type \"" + kind + "\" (expected <= or ==)");
    }
    t.decision_type[i] = dt;
    if (depth > 100000) node.fail("tree too deep");
    t.left_child[i] = read_node(node["left_child"], t, depth + 1);
    t.right_child[i] = read_node(node["right_child"], t, depth + 1);
    return i;
  }

  void read_leaf(const JsonView& node, lightgbm::Tree& t, int64_t leaf) {
    if (leaf_seen_[leaf]) node["leaf_index"].fail("leaf_index " + std::to_string(leaf) + " appears twice");
    leaf_seen_[leaf] = 1;
    t.leaf_value[leaf] = node["leaf_value"].f64();
    if (t.is_linear != node.has("leaf_const")) node.fail("some leaves of this tree are linear and some are not");
    if (!t.is_linear) return;
    t.leaf_const[leaf] = node["leaf_const"].f64();
    t.leaf_features[leaf] = node["leaf_features"].int_array(0, kMaxInt32);
    t.leaf_coeff[leaf] = node["leaf_coeff"].f64_array();
  }

  // "3||7||12": the categories that go left.
  static std::vector<uint32_t> parse_categories(const JsonView& v) {
    if (v.kind() == JsonValue::Kind::Number) return {static_cast<uint32_t>(v.integer(0, kMaxInt32))};
    const std::string s = v.str();
    std::vector<uint32_t> out;
    size_t start = 0;
    while (true) {
      size_t sep = s.find("||", start);
      std::string_view item = std::string_view(s).substr(start, sep == std::string::npos ? std::string::npos : sep - start);
      int64_t c = 0;
      auto r = std::from_chars(item.data(), item.data() + item.size(), c);
      if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size() || c < 0 || c > kMaxInt32)
        v.fail("malformed category list \"" + s + "\" (expected non-negative integers joined by ||)");
      out.push_back(static_cast<uint32_t>(c));
      if (sep == std::string::npos) break;
      start = sep + 2;
    }
    return out;
  }

  JsonView root_;
  const std::string& file_;
  std::vector<uint8_t> internal_seen_, leaf_seen_;
  bool linear_known_ = false;
};

}  // namespace

bool is_lightgbm_json(const JsonValue& document) {
  if (document.kind != JsonValue::Kind::Object) return false;
  const JsonValue* name = document.find("name");
  return document.find("tree_info") != nullptr && name && name->kind == JsonValue::Kind::String && name->text == "tree";
}

ir::Model import_lightgbm_json(const JsonValue& document, const std::string& file) {
  return lightgbm::build_ir(JsonReader(document, file).run());
}

}  // namespace xylem::formats
