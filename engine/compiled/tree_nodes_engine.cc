#include "engine/compiled/tree_nodes_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/compiled/block_driver.h"
#include "engine/compiled/input_plan.h"
#include "engine/compiled/split_rules.h"
#include "engine/ir/category_key.h"

namespace xylem::compiled {
namespace {

constexpr uint32_t kNanRight = 0x80000000u;   // NaN (and, with kZeroMissing, |x| <= 1e-35) goes right
constexpr uint32_t kCategorical = 0x40000000u;
constexpr uint32_t kZeroMissing = 0x20000000u;
constexpr uint32_t kFeature = 0x00ffffffu;

// right > 0: internal node, the right child is `right` nodes ahead (the left child is
// next). right <= 0: a leaf whose values start at leaves[-right].
// Categorical nodes keep their category set's index in `threshold`.
template <typename T>
struct Node {
  T threshold;
  uint32_t feature;
  int32_t right;
};

struct CategorySet {
  uint32_t begin, end;  // into members
};

template <typename T, typename Acc>
class TreeNodesEngine final : public engine::Engine {
 public:
  explicit TreeNodesEngine(const ir::Model& model) : output_(model) {
    input_.num_features = model.num_features;
    input_.tiny_inputs_are_zero = model.ensemble.tiny_inputs_are_zero;
    input_.zero_is_missing = zero_is_missing_features(model);
    rule_ = model.ensemble.category_rule;
    categories_go_right_ = model.ensemble.categories_go_right;
  }

  bool build(const ir::Model& model, std::string* why_not) {
    for (const ir::Tree& tree : model.ensemble.trees) {
      tree_begin_.push_back(nodes_.size());
      tree_output_.push_back(tree.output);
      leaf_size_.push_back(tree.leaf_size);
      if (!lay_out(tree, why_not)) return false;
    }
    return true;
  }

  std::string name() const override { return "tree_nodes"; }

  size_t memory_bytes() const override {
    return sizeof(*this) + nodes_.size() * sizeof(Node<T>) + leaves_.size() * sizeof(Acc) +
           members_.size() * sizeof(uint32_t) + sets_.size() * sizeof(CategorySet) +
           tree_begin_.size() * (sizeof(uint64_t) + 2 * sizeof(int32_t)) + input_.memory_bytes();
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
    const size_t stride = std::max<size_t>(input_.num_features, 1);
    const size_t block = block_rows_for(stride * sizeof(T));
    auto prepare = [&](const Src* src, size_t count, T* values) {
      return prepare_rows<T>(input_, src, count, values, stride, 1);
    };
    auto kernel = [&](const T* values, size_t count, bool, Acc* acc, size_t num_trees) {
      add_trees(values, count, stride, acc, num_trees);
    };
    predict_in_blocks<T, Acc>(output_, input_.num_features, block, block * stride, rows, n, out, request, prepare,
                              kernel);
  }

  void add_trees(const T* values, size_t n, size_t stride, Acc* acc, size_t num_trees) const {
    for (size_t t = 0; t < num_trees; ++t) {
      const Node<T>* root = nodes_.data() + tree_begin_[t];
      const int32_t size = leaf_size_[t];
      Acc* sums = acc + (size == 1 ? static_cast<size_t>(tree_output_[t]) * n : 0);
      for (size_t r = 0; r < n; ++r) {
        const Acc* leaf = leaves_.data() + walk(root, values + r * stride);
        if (size == 1) {
          sums[r] += *leaf;
        } else {
          for (int32_t k = 0; k < size; ++k) acc[static_cast<size_t>(k) * n + r] += leaf[k];
        }
      }
    }
  }

  // Returns the offset of the leaf's values.
  size_t walk(const Node<T>* node, const T* row) const {
    while (node->right > 0) {
      const uint32_t flags = node->feature;
      const T x = row[flags & kFeature];
      bool right;
      if (flags & (kCategorical | kZeroMissing)) right = special_goes_right(*node, x);
      else if (std::isnan(x)) right = flags & kNanRight;
      else right = !(x <= node->threshold);
      node += right ? node->right : 1;
    }
    return static_cast<size_t>(-node->right);
  }

  bool special_goes_right(const Node<T>& node, T x) const {
    const bool nan_right = node.feature & kNanRight;
    if (std::isnan(x)) return nan_right;
    if (!(node.feature & kCategorical)) {
      if (std::fabs(static_cast<double>(x)) <= ir::kZeroThreshold) return nan_right;
      return !(x <= node.threshold);
    }
    const std::optional<uint32_t> key = ir::category_key(rule_, static_cast<double>(x));
    if (!key) return rule_.invalid_to_default ? nan_right : !categories_go_right_;
    const CategorySet& set = sets_[static_cast<size_t>(node.threshold)];
    const bool member = std::binary_search(members_.data() + set.begin, members_.data() + set.end, *key);
    return member == categories_go_right_;
  }

  // Depth-first, left child next. Iterative: file trees may be deep.
  bool lay_out(const ir::Tree& tree, std::string* why_not) {
    std::vector<int32_t> set_of_node(tree.num_nodes(), -1);
    for (size_t k = 0; k < tree.categorical_nodes.size(); ++k)
      set_of_node[tree.categorical_nodes[k]] = static_cast<int32_t>(k);
    const size_t base = nodes_.size();
    struct Item {
      int32_t node;
      size_t parent;  // position whose right offset points here, or SIZE_MAX
    };
    std::vector<Item> stack = {{0, SIZE_MAX}};
    while (!stack.empty()) {
      const Item item = stack.back();
      stack.pop_back();
      const size_t pos = nodes_.size();
      if (item.parent != SIZE_MAX) {
        const size_t offset = pos - item.parent;
        if (offset > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          *why_not = "a tree with more than 2^31 nodes";
          return false;
        }
        nodes_[item.parent].right = static_cast<int32_t>(offset);
      }
      Node<T> node{};
      const int32_t i = item.node;
      if (tree.is_leaf(i)) {
        if (leaves_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          *why_not = "more than 2^31 leaf values";
          return false;
        }
        node.right = -static_cast<int32_t>(leaves_.size());
        for (int32_t k = 0; k < tree.leaf_size; ++k)
          leaves_.push_back(folded_leaf<Acc>(tree, tree.leaf_values[static_cast<size_t>(i) * tree.leaf_size + k]));
        nodes_.push_back(node);
        continue;
      }
      node.feature = static_cast<uint32_t>(tree.split_features[i]);
      if (tree.split_kinds[i] == ir::SplitKind::Categorical) {
        node.feature |= kCategorical | (tree.default_left[i] ? 0u : kNanRight);
        const auto& members = tree.category_sets[set_of_node[i]];
        sets_.push_back({static_cast<uint32_t>(members_.size()),
                         static_cast<uint32_t>(members_.size() + members.size())});
        members_.insert(members_.end(), members.begin(), members.end());
        node.threshold = static_cast<T>(sets_.size() - 1);
      } else {
        node.feature |= nan_goes_left(tree, i) ? 0u : kNanRight;
        if (tree.missing_rules[i] == ir::MissingRule::ZeroAndNanToDefault &&
            !input_.zero_is_missing[tree.split_features[i]])
          node.feature |= kZeroMissing;
        node.threshold = largest_at_most<T>(tree.thresholds[i], tree.split_kinds[i] == ir::SplitKind::Less);
      }
      node.right = 1;  // set when the right child is placed
      nodes_.push_back(node);
      stack.push_back({tree.right_children[i], pos});
      stack.push_back({tree.left_children[i], SIZE_MAX});
    }
    (void)base;
    return true;
  }

  InputPlan input_;
  OutputPlan output_;
  ir::CategoryRule rule_;
  bool categories_go_right_ = true;
  std::vector<Node<T>> nodes_;
  std::vector<Acc> leaves_;
  std::vector<uint64_t> tree_begin_;
  std::vector<int32_t> tree_output_, leaf_size_;
  std::vector<CategorySet> sets_;
  std::vector<uint32_t> members_;
};

template <typename T, typename Acc>
std::unique_ptr<engine::Engine> build(const ir::Model& model, std::string* why_not) {
  auto engine = std::make_unique<TreeNodesEngine<T, Acc>>(model);
  if (!engine->build(model, why_not)) return nullptr;
  return engine;
}

}  // namespace

std::unique_ptr<engine::Engine> make_tree_nodes_engine(const ir::Model& model, std::string* why_not) {
  *why_not = unsupported_by_compiled(model, /*generic=*/true);
  if (!why_not->empty()) return nullptr;
  const bool in32 = model.ensemble.input_precision == ir::Precision::Float32;
  const bool acc32 = model.output.accumulation == ir::Precision::Float32;
  if (in32) return acc32 ? build<float, float>(model, why_not) : build<float, double>(model, why_not);
  return acc32 ? build<double, float>(model, why_not) : build<double, double>(model, why_not);
}

}  // namespace xylem::compiled
