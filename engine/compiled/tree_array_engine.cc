#include "engine/compiled/tree_array_engine.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "engine/compiled/block_driver.h"
#include "engine/compiled/input_plan.h"
#include "engine/compiled/output_plan.h"
#include "engine/compiled/split_rules.h"

namespace xylem::compiled {
namespace {

using kernels::ArrayNode32;
using kernels::ArrayNode64;

// T: the comparison type of the inputs (float or double); Acc: of the sums.
// Node and Value follow: float -> ArrayNode32/float, double -> ArrayNode64/double,
// quantized -> ArrayNode32/uint16 codes.
template <typename T, typename Acc, bool kQuantized>
class TreeArrayEngine final : public engine::Engine {
  using Node = std::conditional_t<kQuantized || std::is_same_v<T, float>, ArrayNode32, ArrayNode64>;
  using Value = std::conditional_t<kQuantized, uint16_t, T>;

 public:
  TreeArrayEngine(const ir::Model& model, kernels::ArrayKernel<Node, Value, Acc> kernel, const char* isa,
                  size_t min_block_rows, bool uses_tops)
      : uses_tops_(uses_tops && std::is_same_v<Node, ArrayNode32>),  // the float64 kernels are portable
        output_(model),
        kernel_(kernel),
        isa_(isa),
        block_(block_rows_for(std::max<size_t>(model.num_features, 1) * sizeof(Value), min_block_rows)),
        // One spare cache line per feature column: columns a power of two apart would
        // all fall in the same L1 sets.
        column_(block_ + 64 / sizeof(Value)) {
    input_.num_features = model.num_features;
    input_.tiny_inputs_are_zero = model.ensemble.tiny_inputs_are_zero;
    input_.zero_is_missing = zero_is_missing_features(model);
  }

  // Lays the trees out; false (with why_not) when they do not fit.
  bool build(const ir::Model& model, std::string* why_not) {
    const auto& trees = model.ensemble.trees;
    leaf_size_ = trees.empty() ? 1 : trees[0].leaf_size;
    for (const ir::Tree& tree : trees)
      if (tree.leaf_size != leaf_size_) {
        *why_not = "trees with different leaf sizes";
        return false;
      }
    size_t total_nodes = 0, total_walk = 0, total_leaves = 0;
    for (const ir::Tree& tree : trees) {
      const int32_t d = tree_depth(tree);
      const size_t leaves = (tree.num_nodes() + 1) / 2;
      // Padding pays while the complete tree is not much bigger than the real one;
      // an unbalanced tree (LightGBM's leaf-wise growth) is walked instead.
      const bool pad = d <= kMaxArrayDepth && (size_t{1} << d) <= kMaxPadding * leaves;
      depth_.push_back(pad ? d : -1);
      node_begin_.push_back(pad ? total_nodes : total_walk);
      leaf_begin_.push_back(total_leaves);
      output_of_tree_.push_back(tree.output);
      if (pad) total_nodes += (size_t{1} << d) - 1;
      else total_walk += tree.num_nodes();
      total_leaves += (pad ? size_t{1} << d : leaves) * tree.leaf_size;
    }
    if (total_walk > static_cast<size_t>(INT32_MAX) || total_leaves > static_cast<size_t>(INT32_MAX)) {
      *why_not = "more than 2^31 nodes or leaf values";
      return false;
    }
    if (kQuantized && !build_codes(model, why_not)) return false;
    // At least one node: kernels take the arrays' addresses (and gathers may read a
    // real node in place of one that does not exist) even when every tree is a leaf.
    nodes_.assign(std::max<size_t>(total_nodes, 1), Node{});
    walk_nodes_.assign(total_walk, kernels::WalkNode<Node>{});
    // 3 spare bytes: AVX2 kernels read the flags 4 bytes at a time.
    nan_right_.assign(total_nodes + 3, 0);
    walk_nan_right_.assign(total_walk + 3, 0);
    leaves_.assign(total_leaves, Acc(0));
    if (uses_tops_) walk_position_.assign(trees.size(), {});
    for (size_t t = 0; t < trees.size(); ++t) {
      if (depth_[t] >= 0) lay_out(trees[t], t);
      else lay_out_walked(trees[t], t);
    }
    if (!lay_out_tops(trees, why_not)) return false;
    walk_position_ = {};
    forest_ = {depth_.data(),
               node_begin_.data(),
               leaf_begin_.data(),
               output_of_tree_.data(),
               nodes_.data(),
               nan_right_.data(),
               walk_nodes_.empty() ? nullptr : walk_nodes_.data(),
               walk_nan_right_.data(),
               leaves_.data(),
               leaf_size_};
    if (!top_depth_.empty()) {
      forest_.top_depth = top_depth_.data();
      forest_.top_node_begin = top_node_begin_.data();
      forest_.top_exit_begin = top_exit_begin_.data();
      forest_.top_exits = top_exits_.data();
    }
    return true;
  }

  std::string name() const override {
    return std::string("tree_array/") + isa_ + (kQuantized ? "/quantized" : "");
  }

  size_t memory_bytes() const override {
    return sizeof(*this) + nodes_.size() * sizeof(Node) + walk_nodes_.size() * sizeof(kernels::WalkNode<Node>) +
           nan_right_.size() + walk_nan_right_.size() +
           leaves_.size() * sizeof(Acc) +
           depth_.size() * (sizeof(int32_t) * 2 + sizeof(uint64_t) * 2) + input_.memory_bytes() +
           top_depth_.size() * (sizeof(int32_t) + sizeof(uint64_t) * 2) + top_exits_.size() * sizeof(int32_t);
  }

  void predict(const double* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }
  void predict(const float* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }

 private:
  template <typename Src>
  void run(const Src* rows, size_t n, double* out, const engine::PredictRequest& request) const {
    // Feature-major blocks of block_ rows: nodes hold feature * column_.
    auto prepare = [this](const Src* src, size_t count, Value* values) {
      if constexpr (kQuantized) return prepare_codes<T>(input_, src, count, values, 1, column_);
      else return prepare_rows<T>(input_, src, count, values, 1, column_);
    };
    auto kernel = [this](const Value* values, size_t count, bool has_nan, Acc* acc, size_t num_trees) {
      const kernels::ArrayBlock<Value, Acc> block{values, count, has_nan, acc, count};
      kernel_(forest_, num_trees, block);
    };
    const size_t features = std::max<size_t>(input_.num_features, 1);
    predict_in_blocks<Value, Acc>(output_, input_.num_features, block_, column_ * features, rows, n, out, request,
                                  prepare, kernel);
  }

  // The threshold a node compares with, in T: "left when x <= t".
  static T node_threshold(const ir::Tree& tree, int32_t i) {
    return largest_at_most<T>(tree.thresholds[i], tree.split_kinds[i] == ir::SplitKind::Less);
  }

  bool build_codes(const ir::Model& model, std::string* why_not) {
    std::vector<std::vector<double>> per_feature(model.num_features);
    for (const ir::Tree& tree : model.ensemble.trees)
      for (int32_t i = 0; i < tree.num_nodes(); ++i) {
        if (tree.is_leaf(i)) continue;
        const T t = node_threshold(tree, i);
        if (!std::isnan(t)) per_feature[tree.split_features[i]].push_back(static_cast<double>(t));
      }
    input_.code_begin.push_back(0);
    for (size_t f = 0; f < per_feature.size(); ++f) {
      std::vector<double>& v = per_feature[f];
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      if (v.size() >= kernels::kNanCode) {
        *why_not = "feature " + std::to_string(f) + " has " + std::to_string(v.size()) +
                   " distinct thresholds (16-bit codes hold at most 65534)";
        return false;
      }
      input_.code_thresholds.insert(input_.code_thresholds.end(), v.begin(), v.end());
      input_.code_begin.push_back(static_cast<uint32_t>(input_.code_thresholds.size()));
    }
    return true;
  }

  Node make_node(const ir::Tree& tree, int32_t i) const {
    Node node{};
    const uint32_t feature = static_cast<uint32_t>(tree.split_features[i]);
    node.feature = feature * static_cast<uint32_t>(column_);
    const T t = node_threshold(tree, i);
    if constexpr (kQuantized) {
      if (std::isnan(t)) {
        node.code = -1;  // never left
      } else {
        const double* begin = input_.code_thresholds.data() + input_.code_begin[feature];
        const double* end = input_.code_thresholds.data() + input_.code_begin[feature + 1];
        node.code = static_cast<int32_t>(std::lower_bound(begin, end, static_cast<double>(t)) - begin);
      }
    } else {
      node.threshold = t;
    }
    return node;
  }

  // The first `depth` levels of a tree, breadth-first, as a complete tree of split
  // nodes at nodes_[begin...]; for each node that ends the layout (a leaf, or a node
  // at level `depth`), end(node, first, span) names the span of the 2^depth bottom
  // slots below it. Padding split nodes stay zero: any direction is right.
  template <typename End>
  void lay_out_complete(const ir::Tree& tree, int32_t depth, size_t begin, End&& end) {
    Node* nodes = nodes_.data() + begin;
    const size_t first_slot = (size_t{1} << depth) - 1;
    struct Item {
      int32_t node;
      size_t pos;
      int32_t level;
    };
    std::vector<Item> stack = {{0, 0, 0}};
    while (!stack.empty()) {
      const Item item = stack.back();
      stack.pop_back();
      if (item.level < depth && !tree.is_leaf(item.node)) {
        nodes[item.pos] = make_node(tree, item.node);
        nan_right_[begin + item.pos] = !nan_goes_left(tree, item.node);
        stack.push_back({tree.left_children[item.node], 2 * item.pos + 1, item.level + 1});
        stack.push_back({tree.right_children[item.node], 2 * item.pos + 2, item.level + 1});
        continue;
      }
      const size_t span = size_t{1} << (depth - item.level);
      end(item.node, (item.pos + 1) * span - 1 - first_slot, span);
    }
  }

  // A padded tree: a leaf above the last level fills its whole subtree of leaves.
  void lay_out(const ir::Tree& tree, size_t t) {
    Acc* leaves = leaves_.data() + leaf_begin_[t];
    lay_out_complete(tree, depth_[t], node_begin_[t], [&](int32_t node, size_t first, size_t span) {
      const double* value = &tree.leaf_values[static_cast<size_t>(node) * tree.leaf_size];
      for (size_t q = first; q < first + span; ++q)
        for (int32_t k = 0; k < tree.leaf_size; ++k) leaves[q * tree.leaf_size + k] = folded_leaf<Acc>(tree, value[k]);
    });
  }

  // The padded tops of walked trees, for kernels that run them (kernels::ArrayForest):
  // the deepest top that padding allows (2^K <= kMaxPadding x leaves, K below the
  // tree's depth), appended to nodes_, and where each of its exits goes on walking.
  // Leaf-wise trees are nearly complete near the root and most rows end there.
  bool lay_out_tops(const std::vector<ir::Tree>& trees, std::string* why_not) {
    if (!uses_tops_ || leaf_size_ != 1) return true;
    top_depth_.assign(trees.size(), -1);
    bool any = false;
    for (size_t t = 0; t < trees.size(); ++t) {
      if (depth_[t] >= 0) continue;
      const size_t leaves = (trees[t].num_nodes() + 1) / 2;
      int32_t k = 0;
      while (k + 1 <= kMaxArrayDepth && (size_t{1} << (k + 1)) <= kMaxPadding * leaves) ++k;
      k = std::min(k, tree_depth(trees[t]) - 1);
      if (k < 3) continue;  // too shallow a top to pay for the exit step
      top_depth_[t] = k;
      any = true;
    }
    if (!any) {
      top_depth_.clear();  // forest_.top_depth stays nullptr
      return true;
    }
    top_node_begin_.assign(trees.size(), 0);
    top_exit_begin_.assign(trees.size(), 0);
    for (size_t t = 0; t < trees.size(); ++t) {
      if (top_depth_[t] < 0) continue;
      const int32_t k = top_depth_[t];
      top_node_begin_[t] = nodes_.size();
      top_exit_begin_[t] = top_exits_.size();
      nodes_.resize(nodes_.size() + (size_t{1} << k) - 1, Node{});
      nan_right_.resize(nodes_.size() + 3, 0);
      top_exits_.resize(top_exits_.size() + (size_t{1} << k), 0);
      lay_out_top(trees[t], t);
    }
    if (nodes_.size() > static_cast<size_t>(INT32_MAX) / sizeof(Node) ||
        walk_nodes_.size() > static_cast<size_t>(INT32_MAX) / sizeof(kernels::WalkNode<Node>)) {
      *why_not = "more than 2^31 bytes of nodes";
      return false;
    }
    return true;
  }

  // Tree t's top: its exits hold the walk node where a row goes on.
  void lay_out_top(const ir::Tree& tree, size_t t) {
    int32_t* exits = top_exits_.data() + top_exit_begin_[t];
    const std::vector<int32_t>& walk_pos = walk_position_[t];
    lay_out_complete(tree, top_depth_[t], top_node_begin_[t], [&](int32_t node, size_t first, size_t span) {
      std::fill_n(exits + first, span, walk_pos[static_cast<size_t>(node)]);
    });
  }

  // Depth-first, left child next; leaves numbered in the order met.
  void lay_out_walked(const ir::Tree& tree, size_t t) {
    kernels::WalkNode<Node>* nodes = walk_nodes_.data() + node_begin_[t];
    Acc* leaves = leaves_.data() + leaf_begin_[t];
    int32_t next = 0, leaf = 0;
    if (uses_tops_) walk_position_[t].assign(static_cast<size_t>(tree.num_nodes()), -1);
    struct Item {
      int32_t node, parent;  // parent: position whose right offset points here, or -1
    };
    std::vector<Item> stack = {{0, -1}};
    while (!stack.empty()) {
      const Item item = stack.back();
      stack.pop_back();
      const int32_t pos = next++;
      if (uses_tops_) walk_position_[t][static_cast<size_t>(item.node)] = pos;
      if (item.parent >= 0) nodes[item.parent].right = pos - item.parent;
      if (tree.is_leaf(item.node)) {
        nodes[pos].right = -leaf;
        for (int32_t k = 0; k < tree.leaf_size; ++k)
          leaves[static_cast<size_t>(leaf) * tree.leaf_size + k] =
              folded_leaf<Acc>(tree, tree.leaf_values[static_cast<size_t>(item.node) * tree.leaf_size + k]);
        ++leaf;
        continue;
      }
      nodes[pos].split = make_node(tree, item.node);
      walk_nan_right_[node_begin_[t] + pos] = !nan_goes_left(tree, item.node);
      stack.push_back({tree.right_children[item.node], pos});
      stack.push_back({tree.left_children[item.node], -1});
    }
  }

  InputPlan input_;
  OutputPlan output_;
  kernels::ArrayKernel<Node, Value, Acc> kernel_;
  const char* isa_;
  size_t block_;   // rows per block
  size_t column_;  // values per feature column of a block; nodes store feature * column_
  std::vector<int32_t> depth_, output_of_tree_;
  std::vector<uint64_t> node_begin_, leaf_begin_;
  std::vector<Node> nodes_;
  std::vector<kernels::WalkNode<Node>> walk_nodes_;
  std::vector<uint8_t> nan_right_, walk_nan_right_;
  std::vector<Acc> leaves_;
  int32_t leaf_size_ = 1;
  kernels::ArrayForest<Node, Acc> forest_{};
  // Padded tops of walked trees (lay_out_tops), built when the kernels use them.
  bool uses_tops_ = false;
  std::vector<int32_t> top_depth_, top_exits_;
  std::vector<uint64_t> top_node_begin_, top_exit_begin_;
  std::vector<std::vector<int32_t>> walk_position_;  // per walked tree: IR node -> walk node
};

template <typename T, typename Acc, bool kQuantized, typename Kernel>
std::unique_ptr<engine::Engine> build(const ir::Model& model, Kernel kernel, const kernels::ArrayKernelTable& table,
                                      std::string* why_not) {
  auto engine = std::make_unique<TreeArrayEngine<T, Acc, kQuantized>>(model, kernel, table.isa, table.min_block_rows,
                                                                     table.uses_tops);
  if (!engine->build(model, why_not)) return nullptr;
  return engine;
}

}  // namespace

std::unique_ptr<engine::Engine> make_tree_array_engine(const ir::Model& model, const kernels::ArrayKernelTable& k,
                                                       bool quantize, std::string* why_not) {
  *why_not = unsupported_by_compiled(model, /*generic=*/false);
  if (!why_not->empty()) return nullptr;
  const bool in32 = model.ensemble.input_precision == ir::Precision::Float32;
  const bool acc32 = model.output.accumulation == ir::Precision::Float32;
  if (quantize) {
    if (in32) return acc32 ? build<float, float, true>(model, k.code_f32, k, why_not)
                           : build<float, double, true>(model, k.code_f64, k, why_not);
    return acc32 ? build<double, float, true>(model, k.code_f32, k, why_not)
                 : build<double, double, true>(model, k.code_f64, k, why_not);
  }
  if (in32) return acc32 ? build<float, float, false>(model, k.f32_f32, k, why_not)
                         : build<float, double, false>(model, k.f32_f64, k, why_not);
  return acc32 ? build<double, float, false>(model, k.f64_f32, k, why_not)
               : build<double, double, false>(model, k.f64_f64, k, why_not);
}

}  // namespace xylem::compiled
