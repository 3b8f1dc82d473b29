// ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier (opsets 1 and 3) and
// TreeEnsemble (opset 5) -> IR trees and output stage, with ONNX Runtime's semantics
// (onnxruntime/core/providers/cpu/ml/tree_ensemble_*.h; models/onnx/README.md lists
// what the fixtures confirm):
//  - a node goes to its true branch when `x MODE value`, or when x is NaN and
//    missing_value_tracks_true is set; NaN fails every comparison except NEQ;
//  - the input is compared in the thresholds' type (float attributes, or double ones
//    from the _as_tensor variants), leaf weights are summed in that type in tree
//    order, base values are added after the sum (AVERAGE: sum / n_trees + base);
//  - the outputs are float32 (opset 5: the input's type), transforms in float32;
//  - binary classifiers have ORT's special cases, reproduced case by case below.
#include "formats/onnx_trees.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "xylem/error.h"

namespace xylem::formats::onnx_io {
namespace {

enum Mode : uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };

// One ONNX node or leaf, children as indices into the same array.
struct RawNode {
  Mode mode = kLeaf;
  int32_t feature = 0;
  double value = 0;
  int32_t yes = -1, no = -1;
  bool tracks_true = false;
  std::vector<double> members;
  std::vector<std::pair<int32_t, double>> weights;  // (target or class, weight), leaves only
};

struct RawEnsemble {
  std::vector<RawNode> nodes;
  std::vector<int32_t> roots;
  int32_t num_targets = 1;
  bool classifier = false;
  bool double_values = false;    // thresholds and weights are double tensors
  std::string aggregate = "SUM";
  std::string post_transform = "NONE";
  std::vector<double> base_values;
  std::vector<int64_t> int_labels;
  std::vector<std::string> string_labels;
};

Mode parse_mode(const Node& n, const std::string& s) {
  if (s == "BRANCH_LEQ") return kLeq;
  if (s == "BRANCH_LT") return kLt;
  if (s == "BRANCH_GTE") return kGte;
  if (s == "BRANCH_GT") return kGt;
  if (s == "BRANCH_EQ") return kEq;
  if (s == "BRANCH_NEQ") return kNeq;
  if (s == "LEAF") return kLeaf;
  n.fail("nodes_modes", "unknown mode \"" + s + "\" (expected BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, "
                        "BRANCH_NEQ or LEAF)");
}

// The double values of an attribute that is either a float list or its _as_tensor twin.
std::vector<double> values_of(const Node& n, const std::string& name, bool& as_double) {
  if (std::optional<Constant> t = n.tensor(name + "_as_tensor")) {
    if (t->data_type != kDouble && t->data_type != kFloat) n.fail(name + "_as_tensor", "expected a double tensor");
    as_double = as_double || t->data_type == kDouble;
    return t->values;
  }
  return n.floats(name);
}

void check_same_size(const Node& n, size_t expected, size_t got, const std::string& what, const std::string& like) {
  if (got != expected)
    n.fail(what, "has " + std::to_string(got) + " values, " + like + " has " + std::to_string(expected));
}

int32_t checked_int(const Node& n, const std::string& attr, int64_t v, int64_t limit) {
  if (v < 0 || v >= limit) n.fail(attr, "value " + std::to_string(v) + " out of range [0, " + std::to_string(limit) + ")");
  return static_cast<int32_t>(v);
}

RawEnsemble read_v1_v3(const Node& n, int32_t width) {
  RawEnsemble e;
  e.classifier = n.op() == "TreeEnsembleClassifier";
  const std::vector<int64_t> tree_ids = n.ints("nodes_treeids"), node_ids = n.ints("nodes_nodeids"),
                             features = n.ints("nodes_featureids"), yes = n.ints("nodes_truenodeids"),
                             no = n.ints("nodes_falsenodeids"), tracks = n.ints("nodes_missing_value_tracks_true");
  const std::vector<std::string> modes = n.strings("nodes_modes");
  bool as_double = false;
  const std::vector<double> values = values_of(n, "nodes_values", as_double);
  const size_t count = tree_ids.size();
  if (count == 0) n.fail("nodes_treeids", "the ensemble has no nodes");
  for (auto [v, name] : {std::pair{node_ids.size(), "nodes_nodeids"}, std::pair{features.size(), "nodes_featureids"},
                         std::pair{yes.size(), "nodes_truenodeids"}, std::pair{no.size(), "nodes_falsenodeids"},
                         std::pair{modes.size(), "nodes_modes"}})
    check_same_size(n, count, v, name, "nodes_treeids");
  if (!values.empty()) check_same_size(n, count, values.size(), "nodes_values", "nodes_treeids");
  if (!tracks.empty()) check_same_size(n, count, tracks.size(), "nodes_missing_value_tracks_true", "nodes_treeids");

  // (tree id, node id) -> position; ids are checked to fit 32 bits each.
  std::unordered_map<uint64_t, int32_t> index;
  index.reserve(tree_ids.size());
  auto key = [&](int64_t tree, int64_t node, const char* attr) {
    if (tree < 0 || tree > 0xffffffffLL || node < 0 || node > 0xffffffffLL)
      n.fail(attr, "tree " + std::to_string(tree) + " node " + std::to_string(node) + ": ids must be in [0, 2^32)");
    return static_cast<uint64_t>(tree) << 32 | static_cast<uint64_t>(node);
  };
  std::vector<int64_t> tree_order;
  std::set<int64_t> trees_seen;
  e.nodes.resize(count);
  for (size_t k = 0; k < count; ++k) {
    if (!index.emplace(key(tree_ids[k], node_ids[k], "nodes_nodeids"), static_cast<int32_t>(k)).second)
      n.fail("nodes_nodeids", "tree " + std::to_string(tree_ids[k]) + " has node " + std::to_string(node_ids[k]) + " twice");
    if (trees_seen.insert(tree_ids[k]).second) tree_order.push_back(tree_ids[k]);
  }
  std::vector<uint8_t> is_child(count, 0);
  for (size_t k = 0; k < count; ++k) {
    RawNode& r = e.nodes[k];
    r.mode = parse_mode(n, modes[k]);
    if (r.mode == kLeaf) continue;
    r.feature = checked_int(n, "nodes_featureids", features[k], width);
    r.value = values.empty() ? 0.0 : values[k];
    r.tracks_true = !tracks.empty() && tracks[k] != 0;
    for (auto [child, slot, name] : {std::tuple{yes[k], &r.yes, "nodes_truenodeids"}, std::tuple{no[k], &r.no, "nodes_falsenodeids"}}) {
      auto it = index.find(key(tree_ids[k], child, name));
      if (it == index.end())
        n.fail(name, "tree " + std::to_string(tree_ids[k]) + " node " + std::to_string(node_ids[k]) + " points at node " +
                         std::to_string(child) + ", which the tree does not have");
      *slot = it->second;
      is_child[it->second] = 1;
    }
    if (r.mode == kEq || r.mode == kNeq) r.members = {r.value};
  }
  std::map<int64_t, int32_t> root_of;  // one pass: a tree's root is its node no other node points at
  for (size_t k = 0; k < count; ++k)
    if (!is_child[k] && !root_of.emplace(tree_ids[k], static_cast<int32_t>(k)).second)
      n.fail("nodes_treeids", "tree " + std::to_string(tree_ids[k]) + " has more than one root");
  for (int64_t t : tree_order) {
    auto it = root_of.find(t);
    if (it == root_of.end()) n.fail("nodes_treeids", "tree " + std::to_string(t) + " has no root (a cycle)");
    e.roots.push_back(it->second);
  }

  const std::string prefix = e.classifier ? "class_" : "target_";
  const std::vector<int64_t> w_trees = n.ints(prefix + "treeids"), w_nodes = n.ints(prefix + "nodeids"),
                             w_ids = n.ints(prefix + "ids");
  const std::vector<double> weights = values_of(n, prefix + "weights", as_double);
  for (auto [v, name] : {std::pair{w_nodes.size(), prefix + "nodeids"}, std::pair{w_ids.size(), prefix + "ids"},
                         std::pair{weights.size(), prefix + "weights"}})
    check_same_size(n, w_trees.size(), v, name, prefix + "treeids");
  if (e.classifier) {
    e.int_labels = n.ints("classlabels_int64s");
    e.string_labels = n.strings("classlabels_strings");
    if (e.int_labels.empty() == e.string_labels.empty())
      n.fail("classlabels_int64s", "a classifier needs exactly one of classlabels_int64s and classlabels_strings");
    e.num_targets = static_cast<int32_t>(std::max(e.int_labels.size(), e.string_labels.size()));
  } else {
    e.num_targets = checked_int(n, "n_targets", n.i("n_targets", 1), 1 << 20);
    if (e.num_targets == 0) n.fail("n_targets", "is 0");
  }
  for (size_t k = 0; k < w_trees.size(); ++k) {
    auto it = index.find(key(w_trees[k], w_nodes[k], "class_nodeids"));
    if (it == index.end())
      n.fail(prefix + "nodeids", "weight " + std::to_string(k) + " is for tree " + std::to_string(w_trees[k]) + " node " +
                                     std::to_string(w_nodes[k]) + ", which does not exist");
    RawNode& leaf = e.nodes[it->second];
    if (leaf.mode != kLeaf) n.fail(prefix + "nodeids", "weight " + std::to_string(k) + " is on a branch node, not a leaf");
    leaf.weights.push_back({checked_int(n, prefix + "ids", w_ids[k], e.num_targets), weights[k]});
  }
  e.double_values = as_double;
  e.aggregate = n.s("aggregate_function", std::string("SUM"));
  e.post_transform = n.s("post_transform", std::string("NONE"));
  e.base_values = values_of(n, "base_values", e.double_values);
  return e;
}

// Opset 5: leaves live in their own arrays, modes and thresholds are tensors, the
// enums are integers.
RawEnsemble read_v5(const Node& n, int32_t width) {
  RawEnsemble e;
  const std::vector<int64_t> roots = n.ints("tree_roots"), features = n.ints("nodes_featureids"),
                             yes = n.ints("nodes_truenodeids"), no = n.ints("nodes_falsenodeids"),
                             yes_leaf = n.ints("nodes_trueleafs"), no_leaf = n.ints("nodes_falseleafs"),
                             tracks = n.ints("nodes_missing_value_tracks_true"), leaf_targets = n.ints("leaf_targetids");
  std::optional<Constant> modes = n.tensor("nodes_modes"), splits = n.tensor("nodes_splits"),
                          leaf_weights = n.tensor("leaf_weights"), members = n.tensor("membership_values");
  if (!modes || !splits || !leaf_weights) n.fail("TreeEnsemble needs nodes_modes, nodes_splits and leaf_weights");
  const size_t count = features.size();
  for (auto [v, name] : {std::pair{yes.size(), "nodes_truenodeids"}, std::pair{no.size(), "nodes_falsenodeids"},
                         std::pair{yes_leaf.size(), "nodes_trueleafs"}, std::pair{no_leaf.size(), "nodes_falseleafs"},
                         std::pair{modes->values.size(), "nodes_modes"}, std::pair{splits->values.size(), "nodes_splits"}})
    check_same_size(n, count, v, name, "nodes_featureids");
  if (!tracks.empty()) check_same_size(n, count, tracks.size(), "nodes_missing_value_tracks_true", "nodes_featureids");
  const size_t leaves = leaf_targets.size();
  check_same_size(n, leaves, leaf_weights->values.size(), "leaf_weights", "leaf_targetids");
  e.double_values = splits->data_type == kDouble;
  e.num_targets = checked_int(n, "n_targets", n.i("n_targets"), 1 << 20);
  if (e.num_targets == 0) n.fail("n_targets", "is 0");
  e.nodes.resize(count + leaves);
  size_t next_member = 0;
  for (size_t k = 0; k < count; ++k) {
    RawNode& r = e.nodes[k];
    const double m = modes->values[k];
    if (!(m >= 0 && m <= 6)) n.fail("nodes_modes", "mode " + std::to_string(m) + " (expected 0 to 6)");
    r.mode = static_cast<Mode>(static_cast<int>(m));
    r.feature = checked_int(n, "nodes_featureids", features[k], width);
    r.value = splits->values[k];
    r.tracks_true = !tracks.empty() && tracks[k] != 0;
    r.yes = yes_leaf[k] ? static_cast<int32_t>(count) + checked_int(n, "nodes_truenodeids", yes[k], static_cast<int64_t>(leaves))
                        : checked_int(n, "nodes_truenodeids", yes[k], static_cast<int64_t>(count));
    r.no = no_leaf[k] ? static_cast<int32_t>(count) + checked_int(n, "nodes_falsenodeids", no[k], static_cast<int64_t>(leaves))
                      : checked_int(n, "nodes_falsenodeids", no[k], static_cast<int64_t>(count));
    if (r.mode == kEq || r.mode == kNeq) r.members = {r.value};
    if (r.mode == kMember) {  // its values: the next run of membership_values up to a NaN
      if (!members) n.fail("membership_values", "missing, but node " + std::to_string(k) + " is BRANCH_MEMBER");
      while (next_member < members->values.size() && !std::isnan(members->values[next_member]))
        r.members.push_back(members->values[next_member++]);
      if (next_member >= members->values.size())
        n.fail("membership_values", "has fewer NaN-terminated sets than there are BRANCH_MEMBER nodes");
      ++next_member;
    }
  }
  // ORT (TreeEnsembleAttributesV5::convert_to_v3) unrolls a set of fewer than 31
  // values in [0, 30] into a chain of BRANCH_EQ nodes; larger sets become its
  // "big set" nodes, whose semantics xylem does not reproduce.
  for (size_t k = 0; k < count; ++k) {
    if (e.nodes[k].mode != kMember) continue;
    const std::vector<double> values = e.nodes[k].members;
    if (values.empty()) n.fail("membership_values", "node " + std::to_string(k) + " has an empty set");
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (values.size() >= 31 || *hi > 30 || *lo < 0)
      n.fail("membership_values", "node " + std::to_string(k) + "'s set (" + std::to_string(values.size()) +
                                      " values from " + std::to_string(*lo) + " to " + std::to_string(*hi) +
                                      ") is outside [0, 30] or has 31 values or more: ONNX Runtime's big-set membership "
                                      "is not supported");
    int32_t at = static_cast<int32_t>(k);
    const int32_t no_final = e.nodes[k].no;
    for (size_t j = 0; j < values.size(); ++j) {
      RawNode& r = e.nodes[at];
      r.mode = kEq;
      r.value = values[j];
      r.members = {values[j]};
      if (j + 1 < values.size()) {
        RawNode next = r;  // same feature, true branch and missing tracking
        e.nodes.push_back(next);
        e.nodes[at].no = static_cast<int32_t>(e.nodes.size() - 1);
        at = e.nodes[at].no;
      } else {
        r.no = no_final;
      }
    }
  }
  for (size_t k = 0; k < leaves; ++k)
    e.nodes[count + k].weights = {{checked_int(n, "leaf_targetids", leaf_targets[k], e.num_targets), leaf_weights->values[k]}};
  for (int64_t r : roots) e.roots.push_back(checked_int(n, "tree_roots", r, static_cast<int64_t>(count)));
  if (e.roots.empty()) n.fail("tree_roots", "the ensemble has no trees");
  const int64_t aggregate = n.i("aggregate_function", 1), post = n.i("post_transform", 0);
  static const char* kAggregates[] = {"AVERAGE", "SUM", "MIN", "MAX"};
  static const char* kPosts[] = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"};
  if (aggregate < 0 || aggregate > 3) n.fail("aggregate_function", "value " + std::to_string(aggregate) + " (expected 0 to 3)");
  if (post < 0 || post > 4) n.fail("post_transform", "value " + std::to_string(post) + " (expected 0 to 4)");
  e.aggregate = kAggregates[aggregate];
  e.post_transform = kPosts[post];
  e.base_values.clear();  // opset 5 has no base values
  return e;
}

// Equality with an int32 value is a category set lookup (the key of an exact integer,
// ir::CategoryKey::ExactInteger); other values become a pair of comparisons.
bool is_member_key(double v) { return v >= -0x1p31 && v < 0x1p31 && v == std::trunc(v); }

uint32_t member_key(const Node& n, double v) {
  if (!is_member_key(v))
    n.fail("a set-membership split on " + std::to_string(v) + ": xylem's sets hold integers in [-2^31, 2^31)");
  return static_cast<uint32_t>(static_cast<int32_t>(v));
}

class TreeBuilder {
 public:
  TreeBuilder(const Node& n, const RawEnsemble& e, int32_t leaf_size) : n_(n), e_(e), leaf_size_(leaf_size) {}

  ir::Tree build(int32_t root) {
    ir::Tree t;
    t.leaf_size = leaf_size_;
    // (raw node, IR node, part): part 1 and 2 are the second comparisons of an EQ or
    // NEQ on a value that is not an integer: x == t is !(x < t) && x <= t.
    struct Item {
      int32_t raw, id, part, depth;
    };
    std::vector<Item> work;
    int32_t depth = 0;  // of the node being expanded; a path longer than the node count has a cycle
    auto add = [&](int32_t raw, int32_t part = 0) {
      const int32_t id = t.num_nodes();
      if (id >= kMaxNodesPerTree) n_.fail("a tree unfolds to more than " + std::to_string(kMaxNodesPerTree) + " nodes");
      t.left_children.push_back(-1);
      t.right_children.push_back(-1);
      t.split_features.push_back(0);
      t.split_kinds.push_back(ir::SplitKind::LessEqual);
      t.thresholds.push_back(0);
      t.default_left.push_back(0);
      t.missing_rules.push_back(ir::MissingRule::NanToDefault);
      t.leaf_values.insert(t.leaf_values.end(), static_cast<size_t>(leaf_size_), 0.0);
      if (depth > static_cast<int32_t>(e_.nodes.size()) + 1) n_.fail("a tree has a cycle (a node is its own descendant)");
      work.push_back({raw, id, part, depth + 1});
      return id;
    };
    add(root);
    size_t steps = 0;
    while (!work.empty()) {
      const Item item = work.back();
      const int32_t raw = item.raw, id = item.id;
      depth = item.depth;
      work.pop_back();
      if (++steps > static_cast<size_t>(kMaxNodesPerTree)) n_.fail("a tree has a cycle or unfolds to too many nodes");
      const RawNode& r = e_.nodes[raw];
      const bool numeric_equality = (r.mode == kEq || r.mode == kNeq) && !is_member_key(r.value);
      if (numeric_equality) {
        if (std::isnan(r.value)) n_.fail("nodes_values", "an equality split on NaN");
        t.split_features[id] = r.feature;
        t.thresholds[id] = r.value;
        int32_t l, rt;
        if (item.part == 0) {  // x < t: EQ is false, NEQ true; else the second comparison decides
          t.split_kinds[id] = ir::SplitKind::Less;
          t.default_left[id] = r.mode == kNeq ? 1 : !r.tracks_true;  // NaN: NEQ true, EQ true only when tracked
          l = add(r.mode == kEq ? r.no : r.yes);
          rt = add(raw, 1);
        } else {  // x <= t (given x >= t): EQ true, NEQ false; a NaN here is a tracked EQ
          t.split_kinds[id] = ir::SplitKind::LessEqual;
          t.default_left[id] = 1;
          l = add(r.mode == kEq ? r.yes : r.no);
          rt = add(r.mode == kEq ? r.no : r.yes);
        }
        t.left_children[id] = l;
        t.right_children[id] = rt;
        continue;
      }
      if (r.mode == kLeaf) {
        std::vector<uint8_t> seen(static_cast<size_t>(e_.num_targets), 0);
        for (auto [k, w] : r.weights) {
          // ORT adds a leaf's weights one by one; two for one class would round differently.
          if (seen[k]++) n_.fail("a leaf has two weights for target " + std::to_string(k) + ", which xylem does not sum");
          t.leaf_values[static_cast<size_t>(id) * leaf_size_ + (leaf_size_ == 1 ? 0 : k)] = w;
        }
        continue;
      }
      t.split_features[id] = r.feature;
      int32_t left = r.yes, right = r.no;
      bool nan_left = r.tracks_true;
      switch (r.mode) {
        case kLeq:  // x <= t: true
          t.split_kinds[id] = ir::SplitKind::LessEqual;
          break;
        case kLt:
          t.split_kinds[id] = ir::SplitKind::Less;
          break;
        case kGte:  // x >= t is !(x < t): the false branch goes left
          t.split_kinds[id] = ir::SplitKind::Less;
          std::swap(left, right);
          nan_left = !r.tracks_true;
          break;
        case kGt:
          t.split_kinds[id] = ir::SplitKind::LessEqual;
          std::swap(left, right);
          nan_left = !r.tracks_true;
          break;
        case kEq:
        case kMember:
        case kNeq: {
          // A chain of EQ nodes on one feature that share their true branch is one set
          // (what onnxmltools writes for a LightGBM categorical split).
          std::vector<uint32_t> set;
          for (double v : r.members) set.push_back(member_key(n_, v));
          if (r.mode != kNeq)
            while (right >= 0 && (e_.nodes[right].mode == kEq || e_.nodes[right].mode == kMember) &&
                   (e_.nodes[right].mode == kMember || is_member_key(e_.nodes[right].value)) &&
                   e_.nodes[right].feature == r.feature && e_.nodes[right].yes == left &&
                   e_.nodes[right].tracks_true == r.tracks_true) {
              for (double v : e_.nodes[right].members) set.push_back(member_key(n_, v));
              right = e_.nodes[right].no;
            }
          std::sort(set.begin(), set.end());
          set.erase(std::unique(set.begin(), set.end()), set.end());
          t.split_kinds[id] = ir::SplitKind::Categorical;
          t.categorical_nodes.push_back(id);
          t.category_sets.push_back(std::move(set));
          if (r.mode == kNeq) {  // members fail x != t; NaN != t holds
            std::swap(left, right);
            nan_left = false;
          }
          break;
        }
        case kLeaf:
          break;
      }
      if (t.split_kinds[id] != ir::SplitKind::Categorical) {
        t.thresholds[id] = r.value;
        if (std::isnan(r.value)) n_.fail("nodes_values", "a branch has a NaN threshold");
      }
      t.default_left[id] = nan_left;
      const int32_t l = add(left);
      const int32_t rr = add(right);
      t.left_children[id] = l;
      t.right_children[id] = rr;
    }
    // categorical_nodes must follow the node order for the writer's reader to agree.
    std::vector<size_t> order(t.categorical_nodes.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t.categorical_nodes[a] < t.categorical_nodes[b]; });
    std::vector<int32_t> nodes;
    std::vector<std::vector<uint32_t>> sets;
    for (size_t k : order) {
      nodes.push_back(t.categorical_nodes[k]);
      sets.push_back(std::move(t.category_sets[k]));
    }
    t.categorical_nodes = std::move(nodes);
    t.category_sets = std::move(sets);
    return t;
  }

 private:
  static constexpr int32_t kMaxNodesPerTree = 1 << 22;
  const Node& n_;
  const RawEnsemble& e_;
  int32_t leaf_size_;
};

// Per class: whether every row gets a score for it (some tree carries it on every
// leaf), or none does (no leaf carries it). ORT's outputs depend on these "has_score"
// flags; a class that only some rows score would make them depend on the row.
enum class Scored { Always, Never };

Scored class_scored(const Node& n, const RawEnsemble& e, int32_t c) {
  bool any = false, always = false;
  std::vector<int32_t> seen(e.nodes.size(), -1);  // the tree that last walked a node: shared subtrees and cycles once
  for (size_t t = 0; t < e.roots.size(); ++t) {
    bool all_leaves = true;
    std::vector<int32_t> stack{e.roots[t]};
    while (!stack.empty()) {
      const int32_t at = stack.back();
      stack.pop_back();
      if (seen[at] == static_cast<int32_t>(t)) continue;
      seen[at] = static_cast<int32_t>(t);
      const RawNode& r = e.nodes[at];
      if (r.mode != kLeaf) {
        stack.push_back(r.yes);
        stack.push_back(r.no);
        continue;
      }
      bool has = false;
      for (auto [k, w] : r.weights) has |= k == c;
      any |= has;
      all_leaves &= has;
    }
    always |= all_leaves;
  }
  if (always) return Scored::Always;
  if (!any) return Scored::Never;
  n.fail("class " + std::to_string(c) + " has weights on some leaves only: ONNX Runtime's output would depend on "
         "which leaves a row reaches, and xylem does not reproduce that");
}

ir::Transform transform_of(const Node& n, const std::string& post) {
  if (post == "NONE") return ir::Transform::Identity;
  if (post == "LOGISTIC") return ir::Transform::Sigmoid;
  if (post == "SOFTMAX") return ir::Transform::Softmax;
  if (post == "SOFTMAX_ZERO") return ir::Transform::SoftmaxZero;
  if (post == "PROBIT") return ir::Transform::Probit;
  n.fail("post_transform", "unknown transform \"" + post + "\"");
}

}  // namespace

TreeImport import_tree_ensemble(const Node& n, int32_t width, ir::Precision input_precision, bool opset5, ir::Model& m) {
  RawEnsemble e = opset5 ? read_v5(n, width) : read_v1_v3(n, width);
  if (e.aggregate != "SUM" && e.aggregate != "AVERAGE")
    n.fail("aggregate_function", e.aggregate + " is not supported (xylem sums or averages trees)");
  const ir::Precision values = e.double_values ? ir::Precision::Float64 : ir::Precision::Float32;
  const int32_t K = e.num_targets;

  ir::TreeEnsemble& ens = m.ensemble;
  ens.input_precision = input_precision;
  ens.threshold_precision = values;
  ens.categories_go_right = false;
  ens.category_rule.key = ir::CategoryKey::ExactInteger;
  ens.category_rule.limit = 4294967296.0;  // every int32's key
  ens.category_rule.invalid_to_default = false;

  ir::OutputStage& out = m.output;
  out.accumulation = values;
  out.aggregation = e.aggregate == "AVERAGE" ? ir::Aggregation::Average : ir::Aggregation::Sum;
  out.base_scores_first = false;
  // Outputs are float32 tensors; opset 5 outputs the input type (float or double).
  out.transform_precision = opset5 ? values : ir::Precision::Float32;
  ir::Transform transform = transform_of(n, e.post_transform);

  // Which classes' weights become which margin, and the base values after the sum.
  std::vector<int32_t> margin_of(static_cast<size_t>(K));  // class -> margin, -1: dropped
  for (int32_t k = 0; k < K; ++k) margin_of[k] = k;
  int32_t margins = K;
  std::vector<double> base(static_cast<size_t>(K), 0.0);
  TreeImport info;
  if (!e.classifier) {
    m.task = K == 1 ? ir::Task::Regression : ir::Task::MultiTargetRegression;
    if (e.base_values.size() == static_cast<size_t>(K)) base = e.base_values;
    else if (!e.base_values.empty())
      n.fail("base_values", "has " + std::to_string(e.base_values.size()) + " values for " + std::to_string(K) + " targets");
    // A single target only knows PROBIT (TreeAggregator::FinalizeScores1).
    if (K == 1 && transform != ir::Transform::Probit) transform = ir::Transform::Identity;
  } else if (K > 2) {
    m.task = ir::Task::MulticlassClassification;
    if (e.base_values.size() == static_cast<size_t>(K)) base = e.base_values;
    else if (!e.base_values.empty())
      n.fail("base_values", "has " + std::to_string(e.base_values.size()) + " values for " + std::to_string(K) + " classes");
  } else if (K == 2) {
    m.task = ir::Task::BinaryClassification;
    const Scored h0 = class_scored(n, e, 0), h1 = class_scored(n, e, 1);
    const size_t nb = e.base_values.size();
    bool all_positive = true;
    for (const RawNode& r : e.nodes)
      for (auto [k, w] : r.weights) all_positive &= !(w < 0);
    auto unsupported = [&](const std::string& why) {
      n.fail("a binary classifier with " + why + " and post_transform " + e.post_transform +
             ": ONNX Runtime's output for it is not reproduced by xylem");
    };
    if (nb > 2) n.fail("base_values", "has " + std::to_string(nb) + " values for 2 classes");
    if (h0 == Scored::Never && h1 == Scored::Never) n.fail("a binary classifier without any leaf weight");
    if (nb == 2 && h1 == Scored::Always) {
      // ORT: score1 = base1 + sum0, score0 = -score1 (class 1's weights are unused).
      if (h0 != Scored::Always) {  // sum0 = 0, and class 0 has no score: [T(0), T(base1)]
        margin_of = {-1, -1};
        base = {0.0, e.base_values[1]};
      } else {
        margin_of = {0, -1};
        margins = 1;
        base = {e.base_values[1]};
        if (transform == ir::Transform::Identity) transform = ir::Transform::NegatedPair;
        else if (transform == ir::Transform::Sigmoid) transform = ir::Transform::SigmoidPair;
        else unsupported("two base values and class 1 weights");
      }
    } else if (h1 == Scored::Never) {
      if (nb == 2) {  // "binary as multiclass": [T(s0 + b0), T(0)] (class 1 has no score)
        base = {e.base_values[0], 0.0};
      } else {  // one score s0 (+ b0): ORT makes the second column
        margin_of = {0, -1};
        margins = 1;
        base = {nb == 1 ? e.base_values[0] : 0.0};
        // PROBIT writes column 0 only; ORT leaves column 1 uninitialized.
        if (transform == ir::Transform::Probit) unsupported("weights for class 0 only (ORT leaves column 1 undefined)");
        if (transform == ir::Transform::Sigmoid) transform = ir::Transform::SigmoidPair;  // [logistic(-s), logistic(s)]
        else if (all_positive) transform = ir::Transform::ComplementPair;                 // [1 - s, s]
        else transform = ir::Transform::NegatedPair;  // NONE, SOFTMAX, SOFTMAX_ZERO: [-s, s]
      }
    } else {  // two scores; base0 is added to class 0's score (which counts only if scored), base1 never
      base = {nb >= 1 && h0 == Scored::Always ? e.base_values[0] : 0.0, 0.0};
    }
  } else {
    n.fail("classlabels_int64s", "a classifier needs at least two classes");
  }
  m.num_outputs = margins;
  out.transform = transform;
  out.base_scores = base;

  // Each ONNX tree becomes one IR tree whose leaves carry every margin (a vector leaf
  // when there are several); weights of a dropped class are left out.
  for (RawNode& r : e.nodes) {
    std::vector<std::pair<int32_t, double>> w;
    for (auto [k, v] : r.weights)
      if (margin_of[k] >= 0) w.push_back({margin_of[k], v});
    r.weights = std::move(w);
  }
  e.num_targets = margins;
  TreeBuilder builder(n, e, margins);
  for (int32_t root : e.roots) ens.trees.push_back(builder.build(root));
  ens.trees_per_iteration = 1;

  m.num_features = width;
  m.feature_types.assign(static_cast<size_t>(width), ir::FeatureType::Numeric);
  for (int64_t l : e.int_labels) info.labels.push_back(std::to_string(l));
  info.labels.insert(info.labels.end(), e.string_labels.begin(), e.string_labels.end());
  return info;
}

}  // namespace xylem::formats::onnx_io
