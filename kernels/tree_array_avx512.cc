// tree_array kernels for CPUs with AVX-512 (F, BW, DQ, VL; this file alone is compiled
// with those flags, and the engine calls it only when cpu_has_avx512()). Sixteen rows
// walk one padded tree in the sixteen lanes of a register, several groups of sixteen
// in flight, with no branch.
//
// What makes it pay where the AVX2 gathers did not: a gather costs about one load per
// element (about 1.5 cycles each on Zen 5, and these kernels are bound by them), and
// the AVX2 kernel gathers three values per lane and level (threshold, feature,
// input). Here
//  - the first 63 nodes of each tree (levels 0 to 5) are held in eight registers,
//    loaded once per tree and block, and a lane's node is a register permute
//    (vpermt2d), not a gather;
//  - levels 0 to 3 read the input too without a gather: each node of the level loads
//    its feature's column for the 16 rows, and each lane keeps its node's (column_level);
//  - deeper nodes come as one 64-bit gather of (threshold, feature) per lane.
// Walked (unbalanced) trees run their padded top here and the rest in lanes
// (walk_rest), or without a top the shared template's scalar lock step; blocks of
// fewer than 16 rows and float64 values take the portable kernels.
#include <immintrin.h>

#include <cstddef>
#include <type_traits>

#include "kernels/tree_array_kernels.h"

#define XYLEM_ISA_NS avx512
#include "kernels/tree_array_kernel.inl"

namespace xylem::kernels {
namespace avx512 {
namespace {

inline constexpr int kLanes = 16;
inline constexpr int kGroups = 4;
inline constexpr int32_t kTableLevels = 6;  // levels 0..5: nodes 0..62

// The first 64 node slots of a tree (2^depth - 1 of them real; the others read as
// zero), split into thresholds and features, 16 per register.
struct TopNodes {
  __m512i threshold[4];
  __m512i feature[4];
  alignas(64) uint32_t column[16];  // nodes 0..14: feature * block size, for column_level
};

inline TopNodes load_top(const ArrayNode32* nodes, int32_t depth) {
  const int count = depth >= kTableLevels ? 63 : (1 << depth) - 1;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const long long* q = reinterpret_cast<const long long*>(nodes);
  TopNodes top;
  for (int j = 0; j < 4; ++j) {
    __m512i half[2];
    for (int h = 0; h < 2; ++h) {
      const int first = 16 * j + 8 * h, left = count - first;
      const __mmask8 m = left <= 0 ? 0 : left >= 8 ? 0xff : static_cast<__mmask8>((1u << left) - 1);
      half[h] = _mm512_maskz_loadu_epi64(m, q + first);
    }
    top.threshold[j] = _mm512_permutex2var_epi32(half[0], even, half[1]);
    top.feature[j] = _mm512_permutex2var_epi32(half[0], odd, half[1]);
  }
  _mm512_store_si512(top.column, top.feature[0]);
  return top;
}

// The node of each lane at level d (idx: the lanes' node numbers in the tree).
template <int kLevelKind>  // 0: d <= 4 (idx < 31); 1: d == 5; 2: deeper (gather)
inline void lane_nodes(const TopNodes& top, const ArrayNode32* nodes, __m512i idx, __m512i& threshold,
                       __m512i& feature) {
  if constexpr (kLevelKind == 0) {
    threshold = _mm512_permutex2var_epi32(top.threshold[0], idx, top.threshold[1]);
    feature = _mm512_permutex2var_epi32(top.feature[0], idx, top.feature[1]);
  } else if constexpr (kLevelKind == 1) {
    const __mmask16 high = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
    threshold = _mm512_mask_blend_epi32(high, _mm512_permutex2var_epi32(top.threshold[0], idx, top.threshold[1]),
                                        _mm512_permutex2var_epi32(top.threshold[2], idx, top.threshold[3]));
    feature = _mm512_mask_blend_epi32(high, _mm512_permutex2var_epi32(top.feature[0], idx, top.feature[1]),
                                      _mm512_permutex2var_epi32(top.feature[2], idx, top.feature[3]));
  } else {
    const long long* q = reinterpret_cast<const long long*>(nodes);
    const __m512i lo = _mm512_i32gather_epi64(_mm512_castsi512_si256(idx), q, 8);
    const __m512i hi = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(idx, 1), q, 8);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    threshold = _mm512_permutex2var_epi32(lo, even, hi);
    feature = _mm512_permutex2var_epi32(lo, _mm512_add_epi32(even, _mm512_set1_epi32(1)), hi);
  }
}

// The 16 values at `at` (feature * block size + row, in values), as 32-bit lanes.
inline __m512i gather_values(const float* rows, __m512i at) {
  return _mm512_castps_si512(_mm512_i32gather_ps(at, rows, 4));
}
inline __m512i gather_values(const uint16_t* rows, __m512i at) {
  // 4-byte reads at 2-byte steps (the block has 2 spare values at its end).
  return _mm512_and_si512(_mm512_i32gather_epi32(at, rows, 2), _mm512_set1_epi32(0xffff));
}
// The values of 16 consecutive rows at `p` (one feature column), as 32-bit lanes.
inline __m512i load_values(const float* p) { return _mm512_castps_si512(_mm512_loadu_ps(p)); }
inline __m512i load_values(const uint16_t* p) {
  return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// The lanes that go right, given the lanes' values x and their nodes (idx, in the
// numbering nan_right is indexed by). Float: !(x <= t), true for a NaN threshold;
// codes: x > code, true for code -1. With kNan, a NaN lane takes its node's flag byte.
inline __mmask16 is_right(__m512i x, __m512i threshold, float) {
  return _mm512_cmp_ps_mask(_mm512_castsi512_ps(x), _mm512_castsi512_ps(threshold), _CMP_NLE_UQ);
}
inline __mmask16 is_right(__m512i x, __m512i threshold, uint16_t) { return _mm512_cmpgt_epi32_mask(x, threshold); }
inline __mmask16 is_nan(__m512i x, float) {
  return _mm512_cmp_ps_mask(_mm512_castsi512_ps(x), _mm512_castsi512_ps(x), _CMP_UNORD_Q);
}
inline __mmask16 is_nan(__m512i x, uint16_t) { return _mm512_cmpeq_epi32_mask(x, _mm512_set1_epi32(kNanCode)); }

template <bool kNan, typename Value>
inline __mmask16 right_of(__m512i x, __m512i threshold, const uint8_t* nan_right, __m512i idx, Value) {
  __mmask16 right = is_right(x, threshold, Value{});
  if constexpr (kNan) {
    const __mmask16 nan = is_nan(x, Value{});
    if (nan) {
      const __m512i flags = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), nan, idx, nan_right, 1);
      const __mmask16 flag = _mm512_test_epi32_mask(flags, _mm512_set1_epi32(0xff));
      right = (right & ~nan) | (flag & nan);
    }
  }
  return right;
}

template <bool kNan, typename Value>
inline __mmask16 right_lanes(const Value* rows, __m512i at, __m512i threshold, const uint8_t* nan_right,
                             __m512i idx) {
  return right_of<kNan>(gather_values(rows, at), threshold, nan_right, idx, Value{});
}

// One level for kG groups of 16 rows: idx = 2 * idx + 1 + right.
template <int kLevelKind, int kG, bool kNan, typename Value>
inline void level(const TopNodes& top, const ArrayNode32* nodes, const uint8_t* nan_right, const Value* rows,
                  __m512i (&idx)[kG]) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i one = _mm512_set1_epi32(1);
  for (int g = 0; g < kG; ++g) {
    __m512i threshold, feature;
    lane_nodes<kLevelKind>(top, nodes, idx[g], threshold, feature);
    const __m512i at = _mm512_add_epi32(feature, _mm512_add_epi32(lanes, _mm512_set1_epi32(kLanes * g)));
    const __mmask16 right = right_lanes<kNan>(rows, at, threshold, nan_right, idx[g]);
    const __m512i next = _mm512_add_epi32(_mm512_add_epi32(idx[g], idx[g]), one);
    idx[g] = _mm512_mask_add_epi32(next, right, next, one);
  }
}

// Level kD <= 3 for kG groups of 16 rows. The level's 2^kD nodes each read their
// feature's column for the 16 rows (consecutive values: one load, no gather), and each
// lane takes its node's column by a tree of blends on the bits of its place in the
// level. A gather costs about one load per element; 2^kD loads cost less up to kD = 3.
template <int kD, int kG, bool kNan, typename Value>
inline void column_level(const TopNodes& top, const uint8_t* nan_right, const Value* rows, __m512i (&idx)[kG]) {
  constexpr int kFirst = (1 << kD) - 1, kCount = 1 << kD;
  const __m512i one = _mm512_set1_epi32(1);
  for (int g = 0; g < kG; ++g) {
    const Value* group_rows = rows + kLanes * g;
    __m512i x[kCount];
    for (int j = 0; j < kCount; ++j) x[j] = load_values(group_rows + top.column[kFirst + j]);
    const __m512i place = _mm512_sub_epi32(idx[g], _mm512_set1_epi32(kFirst));
    for (int b = 0; b < kD; ++b) {  // keep, of each pair, the one bit b of place names
      const __mmask16 odd = _mm512_test_epi32_mask(place, _mm512_set1_epi32(1 << b));
      for (int j = 0; j < (kCount >> (b + 1)); ++j) x[j] = _mm512_mask_blend_epi32(odd, x[2 * j], x[2 * j + 1]);
    }
    const __m512i threshold = _mm512_permutexvar_epi32(idx[g], top.threshold[0]);
    const __mmask16 right = right_of<kNan>(x[0], threshold, nan_right, idx[g], Value{});
    const __m512i next = _mm512_add_epi32(_mm512_add_epi32(idx[g], idx[g]), one);
    idx[g] = _mm512_mask_add_epi32(next, right, next, one);
  }
}

// Levels [0, depth) of a padded tree (or top) for kG groups of 16 rows.
template <int kG, bool kNan, typename Value>
inline void run_levels(const TopNodes& top, const ArrayNode32* nodes, const uint8_t* nan_right, const Value* rows,
                       int32_t depth, __m512i (&idx)[kG]) {
  for (int g = 0; g < kG; ++g) idx[g] = _mm512_setzero_si512();
  if (depth > 0) column_level<0, kG, kNan>(top, nan_right, rows, idx);
  if (depth > 1) column_level<1, kG, kNan>(top, nan_right, rows, idx);
  if (depth > 2) column_level<2, kG, kNan>(top, nan_right, rows, idx);
  if (depth > 3) column_level<3, kG, kNan>(top, nan_right, rows, idx);
  if (depth > 4) level<0, kG, kNan>(top, nodes, nan_right, rows, idx);
  if (depth > 5) level<1, kG, kNan>(top, nodes, nan_right, rows, idx);
  for (int32_t d = 6; d < depth; ++d) level<2, kG, kNan>(top, nodes, nan_right, rows, idx);
}

// Adds each lane's leaf (number leaf[j]) to row r0 + j.
template <typename Acc, typename Value>
inline void add_lane_leaves(const ArrayForest<ArrayNode32, Acc>& forest, size_t t, const Acc* leaves, __m512i leaf,
                            const ArrayBlock<Value, Acc>& block, size_t r0) {
  if (forest.leaf_size == 1) {
    Acc* acc = block.acc + static_cast<size_t>(forest.output[t]) * block.acc_stride + r0;
    if constexpr (sizeof(Acc) == 4) {
      _mm512_storeu_ps(acc, _mm512_add_ps(_mm512_loadu_ps(acc), _mm512_i32gather_ps(leaf, leaves, 4)));
    } else {
      const __m512d lo = _mm512_i32gather_pd(_mm512_castsi512_si256(leaf), leaves, 8);
      const __m512d hi = _mm512_i32gather_pd(_mm512_extracti64x4_epi64(leaf, 1), leaves, 8);
      _mm512_storeu_pd(acc, _mm512_add_pd(_mm512_loadu_pd(acc), lo));
      _mm512_storeu_pd(acc + 8, _mm512_add_pd(_mm512_loadu_pd(acc + 8), hi));
    }
    return;
  }
  alignas(64) uint32_t lanes[kLanes];
  _mm512_store_si512(lanes, leaf);
  for (int j = 0; j < kLanes; ++j) add_leaf(forest, t, leaves, lanes[j], block, r0 + j);
}

// kG groups of 16 rows from r through padded tree t.
template <int kG, bool kNan, typename Value, typename Acc>
inline void groups(const ArrayForest<ArrayNode32, Acc>& forest, size_t t, const TopNodes& top,
                   const ArrayBlock<Value, Acc>& block, size_t r) {
  const int32_t depth = forest.depth[t];
  const ArrayNode32* nodes = forest.nodes + forest.node_begin[t];
  const uint8_t* nan_right = forest.nan_right + forest.node_begin[t];
  __m512i idx[kG];
  run_levels<kG, kNan>(top, nodes, nan_right, block.rows + r, depth, idx);
  const __m512i first_leaf = _mm512_set1_epi32(static_cast<int>((1u << depth) - 1));
  for (int g = 0; g < kG; ++g)
    add_lane_leaves(forest, t, forest.leaves + forest.leaf_begin[t], _mm512_sub_epi32(idx[g], first_leaf), block,
                    r + kLanes * g);
}

// The rest of a walked tree for 16 rows standing at walk nodes `at` (a tree's
// numbers): every lane steps until it stands on a leaf, then adds its leaf.
template <bool kNan, typename Value, typename Acc>
inline void walk_rest(const ArrayForest<ArrayNode32, Acc>& forest, size_t t, __m512i at,
                      const ArrayBlock<Value, Acc>& block, size_t r0) {
  using Walk = WalkNode<ArrayNode32>;
  const char* nodes = reinterpret_cast<const char*>(forest.walk_nodes + forest.node_begin[t]);
  const uint8_t* nan_right = forest.walk_nan_right + forest.node_begin[t];
  const Value* rows = block.rows + r0;
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i size = _mm512_set1_epi32(static_cast<int>(sizeof(Walk)));
  __m512i right = _mm512_i32gather_epi32(_mm512_mullo_epi32(at, size), nodes + offsetof(Walk, right), 1);
  for (__mmask16 going = _mm512_cmpgt_epi32_mask(right, _mm512_setzero_si512()); going;) {
    const __m512i bytes = _mm512_mullo_epi32(at, size);
    const __m512i threshold = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), going, bytes, nodes, 1);
    const __m512i feature = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), going, bytes,
                                                        nodes + offsetof(ArrayNode32, feature), 1);
    // Lanes that have arrived read feature 0 of their row: a valid read, not used.
    const __mmask16 goes = right_lanes<kNan>(rows, _mm512_add_epi32(feature, lanes), threshold, nan_right, at);
    at = _mm512_mask_add_epi32(at, going, at, _mm512_mask_blend_epi32(goes, _mm512_set1_epi32(1), right));
    right = _mm512_mask_i32gather_epi32(right, going, _mm512_mullo_epi32(at, size), nodes + offsetof(Walk, right), 1);
    going = _mm512_mask_cmpgt_epi32_mask(going, right, _mm512_setzero_si512());
  }
  add_lane_leaves(forest, t, forest.leaves + forest.leaf_begin[t], _mm512_sub_epi32(_mm512_setzero_si512(), right),
                  block, r0);
}

// kG groups of 16 rows from r through walked tree t with a padded top: the top's
// levels as in `groups`, then the rest of the walk, group by group.
template <int kG, bool kNan, typename Value, typename Acc>
inline void topped_groups(const ArrayForest<ArrayNode32, Acc>& forest, size_t t, const TopNodes& top,
                          const ArrayBlock<Value, Acc>& block, size_t r) {
  const int32_t depth = forest.top_depth[t];
  const ArrayNode32* nodes = forest.nodes + forest.top_node_begin[t];
  const uint8_t* nan_right = forest.nan_right + forest.top_node_begin[t];
  __m512i idx[kG];
  run_levels<kG, kNan>(top, nodes, nan_right, block.rows + r, depth, idx);
  const __m512i first_exit = _mm512_set1_epi32(static_cast<int>((1u << depth) - 1));
  for (int g = 0; g < kG; ++g) {
    const __m512i exit = _mm512_sub_epi32(idx[g], first_exit);
    const __m512i at = _mm512_i32gather_epi32(exit, forest.top_exits + forest.top_exit_begin[t], 4);
    walk_rest<kNan>(forest, t, at, block, r + kLanes * g);
  }
}

template <bool kNan, typename Value, typename Acc>
void rows_in_lanes(const ArrayForest<ArrayNode32, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  const size_t n = block.num_rows;
  for (size_t t = 0; t < num_trees; ++t) {
    if (forest.depth[t] < 0) {
      if (forest.top_depth && forest.top_depth[t] >= 0) {  // its padded top, then walked in lanes
        const TopNodes top = load_top(forest.nodes + forest.top_node_begin[t], forest.top_depth[t]);
        size_t r = 0;
        for (; r + kLanes * kGroups <= n; r += kLanes * kGroups) topped_groups<kGroups, kNan>(forest, t, top, block, r);
        for (; r + kLanes <= n; r += kLanes) topped_groups<1, kNan>(forest, t, top, block, r);
        const Acc* leaves = forest.leaves + forest.leaf_begin[t];
        for (; r < n; ++r) add_leaf(forest, t, leaves, walk_one<kNan>(forest, t, block.rows + r), block, r);
      } else {  // scalar lanes in lock step
        walked_tree<kNan>(forest, t, block);
      }
      continue;
    }
    const TopNodes top = load_top(forest.nodes + forest.node_begin[t], forest.depth[t]);
    size_t r = 0;
    for (; r + kLanes * kGroups <= n; r += kLanes * kGroups) groups<kGroups, kNan>(forest, t, top, block, r);
    for (; r + kLanes <= n; r += kLanes) groups<1, kNan>(forest, t, top, block, r);
    const Acc* leaves = forest.leaves + forest.leaf_begin[t];
    for (; r < n; ++r) add_leaf(forest, t, leaves, padded_one<kNan>(forest, t, block.rows + r), block, r);
  }
}

template <typename Value, typename Acc>
ArrayKernel<ArrayNode32, Value, Acc> portable_kernel() {
  const ArrayKernelTable& k = array_kernels_portable();
  if constexpr (std::is_same_v<Value, float>) {
    if constexpr (sizeof(Acc) == 4) return k.f32_f32;
    else return k.f32_f64;
  } else {
    if constexpr (sizeof(Acc) == 4) return k.code_f32;
    else return k.code_f64;
  }
}

template <typename Value, typename Acc>
void predict_avx512(const ArrayForest<ArrayNode32, Acc>& forest, size_t num_trees,
                    const ArrayBlock<Value, Acc>& block) {
  // Small blocks (batch 1): the portable kernels, compiled for any CPU (for one row,
  // eight trees in scalar lock step measured faster than any gather, and faster than
  // the same template compiled with this file's flags).
  if (block.num_rows < kLanes) return portable_kernel<Value, Acc>()(forest, num_trees, block);
  if (block.has_nan) rows_in_lanes<true>(forest, num_trees, block);
  else rows_in_lanes<false>(forest, num_trees, block);
}

}  // namespace
}  // namespace avx512

const ArrayKernelTable& array_kernels_avx512() {
  static const ArrayKernelTable table = {
      "avx512",
      avx512::kLanes * avx512::kGroups,
      true,
      false,
      avx512::predict_avx512<float, float>,
      avx512::predict_avx512<float, double>,
      array_kernels_portable().f64_f32,  // float64: no AVX-512 kernel yet
      array_kernels_portable().f64_f64,
      avx512::predict_avx512<uint16_t, float>,
      avx512::predict_avx512<uint16_t, double>,
  };
  return table;
}

}  // namespace xylem::kernels
