// Kernels for forests of complete trees stored as arrays ("tree_array" engine).
//
// A padded tree of depth D holds 2^D - 1 split nodes in breadth-first order (node i has
// children 2i+1 and 2i+2) and 2^D leaves, so a row reaches its leaf after exactly D
// branch-free steps: idx = 2*idx + 1 + goes_right. Shallower leaves were padded into
// complete subtrees by the engine (every padded leaf repeats its value), so no step
// ever asks "is this a leaf?".
//
// One split: go left when x <= threshold. A NaN input goes where the node's NaN
// flag says (the engine has already folded NaN-as-zero and zero-as-missing rules
// into that flag and into the inputs). A NaN threshold means "never left" (how the
// engine writes `x < -inf`).
//
// Inputs are a block of prepared values, feature-major: feature f of the block's row
// r is rows[f * B + r], B the engine's fixed block size, and a node stores f * B, so
// the value of lane j is one load at rows[node.feature + r + j]. Values are in the
// comparison type: float, double, or uint16 rank codes of the thresholds (kNanCode
// for NaN). The kernels add each tree's leaf to per-output accumulators laid out
// output-major (acc[k * acc_stride + row]), trees in file order, so every row sums
// its leaves in exactly the order the library does.
//
// Kernels know no model format: only these arrays. All instruction-set variants
// share one template (tree_array_kernel.inl) compiled per file with its own flags;
// tree_array_avx2.cc adds hand-written AVX2 paths.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xylem::kernels {

inline constexpr uint16_t kNanCode = 0xffff;

// 8-byte node for float and code thresholds (codes: int32 rank, -1 = never left).
struct ArrayNode32 {
  union {
    float threshold;
    int32_t code;
  };
  uint32_t feature;  // feature index * block size
};
// 16-byte node for double thresholds.
struct ArrayNode64 {
  double threshold;
  uint32_t feature;
  uint32_t unused;
};

// A node of a tree too unbalanced to pad ("walked" tree): depth-first, the left child
// next, the right child `right` nodes ahead; right <= 0 marks a leaf, whose number is
// -right. Rows walk such a tree in lock step too, each lane stopping at its leaf,
// until all lanes have arrived.
template <typename Node>
struct WalkNode {
  Node split;  // a leaf's split has feature 0 (a valid read, never used)
  int32_t right;
};

// One forest; Acc is float or double (the library's accumulation precision).
template <typename Node, typename Acc>
struct ArrayForest {
  const int32_t* depth;         // per tree; -1: a walked tree (node_begin indexes walk_nodes)
  const uint64_t* node_begin;   // per tree: first node in `nodes`
  const uint64_t* leaf_begin;   // per tree: first leaf value in `leaves`
  const int32_t* output;        // per tree: the output a scalar-leaf tree adds to
  const Node* nodes;
  const uint8_t* nan_right;          // per node of `nodes`: 1 when NaN goes right (3 spare bytes at the end)
  const WalkNode<Node>* walk_nodes;  // nullptr when no tree is walked
  const uint8_t* walk_nan_right;     // per walk node
  const Acc* leaves;            // leaf_size values per leaf
  int32_t leaf_size = 1;        // 1 or num_outputs (vector leaves)
  // Padded tops of walked trees (scalar leaves only), for kernels that use them; the
  // others walk such a tree from its root. top_depth[t] = K >= 1: the first K levels
  // of walked tree t are also a padded tree of depth K in `nodes` from
  // top_node_begin[t] (its NaN flags in nan_right), and a row that reaches its exit e
  // (the e-th of its 2^K leaves) goes on walking from walk node top_exits[top_exit_begin[t] + e]
  // of the tree (a leaf, when the row's path ends above level K). -1: no top.
  // top_depth is nullptr when no tree has a top.
  const int32_t* top_depth = nullptr;
  const uint64_t* top_node_begin = nullptr;
  const uint64_t* top_exit_begin = nullptr;
  const int32_t* top_exits = nullptr;
};

// A block of prepared rows and its accumulators.
template <typename Value, typename Acc>
struct ArrayBlock {
  const Value* rows;  // feature-major, see above (2 spare values at the end)
  size_t num_rows;
  bool has_nan;   // false: the kernel may skip NaN handling
  Acc* acc;       // output-major
  size_t acc_stride;
};

// Adds trees [0, num_trees) to the block's accumulators.
template <typename Node, typename Value, typename Acc>
using ArrayKernel = void (*)(const ArrayForest<Node, Acc>& forest, size_t num_trees,
                             const ArrayBlock<Value, Acc>& block);

// Every (node, value, accumulator) combination the engine uses, for one instruction set.
struct ArrayKernelTable {
  const char* isa;
  // The fewest rows a block should hold for these kernels to keep enough rows in
  // flight (the engine's blocks are otherwise sized by bytes: very wide rows make
  // blocks of a few rows).
  size_t min_block_rows;
  // Whether the kernels use the padded tops of walked trees (ArrayForest::top_depth).
  bool uses_tops;
  // False when the float64 entries are another table's (AVX-512 has no float64
  // kernels of its own): float64 models then run faster quantized.
  bool native_float64;
  ArrayKernel<ArrayNode32, float, float> f32_f32;
  ArrayKernel<ArrayNode32, float, double> f32_f64;
  ArrayKernel<ArrayNode64, double, float> f64_f32;
  ArrayKernel<ArrayNode64, double, double> f64_f64;
  ArrayKernel<ArrayNode32, uint16_t, float> code_f32;
  ArrayKernel<ArrayNode32, uint16_t, double> code_f64;
};

// The tables of each instruction set built into this library. The avx2 (avx512)
// table may only be used when cpu_has_avx2() (cpu_has_avx512()) is true.
const ArrayKernelTable& array_kernels_portable();
const ArrayKernelTable& array_kernels_avx2();
const ArrayKernelTable& array_kernels_avx512();

}  // namespace xylem::kernels
