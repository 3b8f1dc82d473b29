// The portable body of the tree_array kernels (see tree_array_kernels.h), included
// by one file per instruction set inside its own namespace XYLEM_ISA_NS, so that each
// copy is compiled with that file's flags and no symbol is shared between copies
// (a shared inline function could otherwise be taken from the AVX2 file by the
// linker and run on a CPU without AVX2). Only raw pointers here: no STL.
//
// Two loop orders, both branch-free inside a tree:
//  - many rows: trees outer, then kRowLanes rows walk the same tree in lock step
//    (independent dependency chains the CPU overlaps);
//  - few rows (batch 1): for each row, kTreeLanes trees walk in lock step.
// Either way each row adds its leaves tree by tree in file order.
#ifndef XYLEM_ISA_NS
#error "define XYLEM_ISA_NS before including tree_array_kernel.inl"
#endif

namespace xylem::kernels::XYLEM_ISA_NS {
namespace {

// Rows in lock step: 16 through padded trees (every lane takes the same number of
// steps; more chains in flight measured 1.25x faster than 8 on Zen 5), 8 through
// walked trees (the group waits for its deepest row: 16 lanes were 2x slower there).
inline constexpr int kRowLanes = 16;
inline constexpr int kWalkLanes = 8;
inline constexpr int kTreeLanes = 8;

inline bool is_nan(float x) { return x != x; }
inline bool is_nan(double x) { return x != x; }
inline bool is_nan(uint16_t x) { return x == kNanCode; }

inline bool at_most(float x, const ArrayNode32& n) { return x <= n.threshold; }
inline bool at_most(double x, const ArrayNode64& n) { return x <= n.threshold; }
inline bool at_most(uint16_t x, const ArrayNode32& n) { return static_cast<int32_t>(x) <= n.code; }

// 1 when the row goes to the right child; nan_right: the node's NaN flag.
template <bool kNan, typename Node, typename Value>
inline uint32_t goes_right(const Node& node, Value x, const uint8_t* nan_right) {
  const uint32_t right = at_most(x, node) ? 0u : 1u;
  if constexpr (kNan) return is_nan(x) ? *nan_right : right;
  return right;
}

template <typename Node, typename Value, typename Acc>
inline void add_leaf(const ArrayForest<Node, Acc>& forest, size_t t, const Acc* leaves, uint32_t leaf,
                     const ArrayBlock<Value, Acc>& block, size_t row) {
  const int32_t k_size = forest.leaf_size;
  if (k_size == 1) {
    block.acc[static_cast<size_t>(forest.output[t]) * block.acc_stride + row] += leaves[leaf];
    return;
  }
  const Acc* values = leaves + static_cast<size_t>(leaf) * k_size;
  for (int32_t k = 0; k < k_size; ++k) block.acc[static_cast<size_t>(k) * block.acc_stride + row] += values[k];
}

// Rows [r, r + kWalkLanes) through walked tree t: every lane steps until all are at leaves.
template <bool kNan, typename Node, typename Value, typename Acc>
inline void walk_lanes(const ArrayForest<Node, Acc>& forest, size_t t, const ArrayBlock<Value, Acc>& block, size_t r) {
  const WalkNode<Node>* nodes = forest.walk_nodes + forest.node_begin[t];
  const uint8_t* nan_right = forest.walk_nan_right + forest.node_begin[t];
  const Value* rows = block.rows + r;
  uint32_t idx[kWalkLanes] = {};
  for (bool moving = true; moving;) {
    moving = false;
    for (int j = 0; j < kWalkLanes; ++j) {
      const WalkNode<Node>& w = nodes[idx[j]];
      const Value x = rows[size_t{w.split.feature} + j];
      const uint32_t step = goes_right<kNan>(w.split, x, nan_right + idx[j]) ? static_cast<uint32_t>(w.right) : 1u;
      idx[j] += w.right > 0 ? step : 0u;
      moving |= w.right > 0;
    }
  }
  for (int j = 0; j < kWalkLanes; ++j)
    add_leaf(forest, t, forest.leaves + forest.leaf_begin[t], static_cast<uint32_t>(-nodes[idx[j]].right), block, r + j);
}

// The leaf number row `row` reaches in walked tree t.
template <bool kNan, typename Node, typename Value, typename Acc>
inline uint32_t walk_one(const ArrayForest<Node, Acc>& forest, size_t t, const Value* row) {
  const WalkNode<Node>* nodes = forest.walk_nodes + forest.node_begin[t];
  const uint8_t* nan_right = forest.walk_nan_right + forest.node_begin[t];
  uint32_t i = 0;
  while (nodes[i].right > 0)
    i += goes_right<kNan>(nodes[i].split, row[nodes[i].split.feature], nan_right + i) ? nodes[i].right : 1;
  return static_cast<uint32_t>(-nodes[i].right);
}

// The leaf number row `row` reaches in padded tree t.
template <bool kNan, typename Node, typename Value, typename Acc>
inline uint32_t padded_one(const ArrayForest<Node, Acc>& forest, size_t t, const Value* row) {
  const Node* nodes = forest.nodes + forest.node_begin[t];
  const uint8_t* nan_right = forest.nan_right + forest.node_begin[t];
  const int32_t depth = forest.depth[t];
  uint32_t idx = 0;
  for (int32_t d = 0; d < depth; ++d) idx = 2 * idx + 1 + goes_right<kNan>(nodes[idx], row[nodes[idx].feature], nan_right + idx);
  return idx - ((1u << depth) - 1);
}

// All rows of the block through walked tree t.
template <bool kNan, typename Node, typename Value, typename Acc>
inline void walked_tree(const ArrayForest<Node, Acc>& forest, size_t t, const ArrayBlock<Value, Acc>& block) {
  const size_t n = block.num_rows;
  const Acc* leaves = forest.leaves + forest.leaf_begin[t];
  size_t r = 0;
  for (; r + kWalkLanes <= n; r += kWalkLanes) walk_lanes<kNan>(forest, t, block, r);
  for (; r < n; ++r) add_leaf(forest, t, leaves, walk_one<kNan>(forest, t, block.rows + r), block, r);
}

template <bool kNan, typename Node, typename Value, typename Acc>
void rows_in_lock_step(const ArrayForest<Node, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  const size_t n = block.num_rows;
  for (size_t t = 0; t < num_trees; ++t) {
    const int32_t depth = forest.depth[t];
    const Acc* leaves = forest.leaves + forest.leaf_begin[t];
    if (depth < 0) {
      walked_tree<kNan>(forest, t, block);
      continue;
    }
    const Node* nodes = forest.nodes + forest.node_begin[t];
    const uint8_t* nan_right = forest.nan_right + forest.node_begin[t];
    const uint32_t first_leaf = (1u << depth) - 1;
    size_t r = 0;
    for (; r + kRowLanes <= n; r += kRowLanes) {
      const Value* rows = block.rows + r;
      uint32_t idx[kRowLanes] = {};
      for (int32_t d = 0; d < depth; ++d) {
        for (int j = 0; j < kRowLanes; ++j) {
          const Node& node = nodes[idx[j]];
          idx[j] = 2 * idx[j] + 1 + goes_right<kNan>(node, rows[size_t{node.feature} + j], nan_right + idx[j]);
        }
      }
      for (int j = 0; j < kRowLanes; ++j) add_leaf(forest, t, leaves, idx[j] - first_leaf, block, r + j);
    }
    for (; r < n; ++r) add_leaf(forest, t, leaves, padded_one<kNan>(forest, t, block.rows + r), block, r);
  }
}

// Walks padded trees [t, t + kTreeLanes) for one row; all of one depth when kSameDepth.
template <bool kNan, bool kSameDepth, typename Node, typename Value, typename Acc>
inline void tree_lanes(const ArrayForest<Node, Acc>& forest, size_t t, const Value* row,
                       const ArrayBlock<Value, Acc>& block, size_t r) {
  uint32_t idx[kTreeLanes] = {};
  uint64_t begin[kTreeLanes];
  int32_t depth[kTreeLanes];
  int32_t max_depth = 0;
  for (int j = 0; j < kTreeLanes; ++j) {
    begin[j] = forest.node_begin[t + j];
    depth[j] = forest.depth[t + j];
    max_depth = depth[j] > max_depth ? depth[j] : max_depth;
  }
  for (int32_t d = 0; d < max_depth; ++d) {
    for (int j = 0; j < kTreeLanes; ++j) {
      if (!kSameDepth && d >= depth[j]) continue;
      const size_t at = begin[j] + idx[j];
      const Node& node = forest.nodes[at];
      idx[j] = 2 * idx[j] + 1 + goes_right<kNan>(node, row[node.feature], forest.nan_right + at);
    }
  }
  for (int j = 0; j < kTreeLanes; ++j)
    add_leaf(forest, t + j, forest.leaves + forest.leaf_begin[t + j], idx[j] - ((1u << depth[j]) - 1), block, r);
}

// One row through one tree, padded or walked.
template <bool kNan, typename Node, typename Value, typename Acc>
inline void one_tree(const ArrayForest<Node, Acc>& forest, size_t t, const Value* row,
                     const ArrayBlock<Value, Acc>& block, size_t r) {
  const Acc* leaves = forest.leaves + forest.leaf_begin[t];
  const uint32_t leaf = forest.depth[t] < 0 ? walk_one<kNan>(forest, t, row) : padded_one<kNan>(forest, t, row);
  add_leaf(forest, t, leaves, leaf, block, r);
}

template <bool kNan, typename Node, typename Value, typename Acc>
void trees_in_lock_step(const ArrayForest<Node, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  for (size_t r = 0; r < block.num_rows; ++r) {
    const Value* row = block.rows + r;
    size_t t = 0;
    for (; t + kTreeLanes <= num_trees; t += kTreeLanes) {
      bool same = true, walked = forest.depth[t] < 0;
      for (int j = 1; j < kTreeLanes; ++j) {
        same &= forest.depth[t + j] == forest.depth[t];
        walked |= forest.depth[t + j] < 0;
      }
      if (walked) {
        for (int j = 0; j < kTreeLanes; ++j) one_tree<kNan>(forest, t + j, row, block, r);
        continue;
      }
      if (same) tree_lanes<kNan, true>(forest, t, row, block, r);
      else tree_lanes<kNan, false>(forest, t, row, block, r);
    }
    for (; t < num_trees; ++t) one_tree<kNan>(forest, t, row, block, r);
  }
}

template <typename Node, typename Value, typename Acc>
void predict_portable(const ArrayForest<Node, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  if (block.num_rows < kWalkLanes) {  // batch 1 and other small blocks: trees in lock step
    if (block.has_nan) trees_in_lock_step<true>(forest, num_trees, block);
    else trees_in_lock_step<false>(forest, num_trees, block);
    return;
  }
  if (block.has_nan) rows_in_lock_step<true>(forest, num_trees, block);
  else rows_in_lock_step<false>(forest, num_trees, block);
}

}  // namespace
}  // namespace xylem::kernels::XYLEM_ISA_NS
