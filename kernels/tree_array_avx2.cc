// tree_array kernels for CPUs with AVX2 (this file alone is compiled with -mavx2;
// the engine calls it only when cpu_has_avx2()). Eight rows walk one tree in the
// eight lanes of a register: each step gathers the lanes' nodes and input values,
// compares, and moves every lane down one level, with no branch. For one row the
// lanes hold eight trees instead. Float32 values and 16-bit codes get these
// kernels; float64 values use the shared portable template (4 lanes did not pay).
#include <immintrin.h>

#include "kernels/tree_array_kernels.h"

#define XYLEM_ISA_NS avx2
#include "kernels/tree_array_kernel.inl"

namespace xylem::kernels {
namespace avx2 {
namespace {

// The values at `offsets` (feature * block size + row, in values).
inline __m256i lane_values(const float* rows, __m256i offsets) {
  return _mm256_castps_si256(_mm256_i32gather_ps(rows, offsets, 4));
}
inline __m256i lane_values(const uint16_t* rows, __m256i offsets) {
  // 4-byte reads at 2-byte steps (the block has 2 spare values at its end).
  const __m256i v = _mm256_i32gather_epi32(reinterpret_cast<const int*>(rows), offsets, 2);
  return _mm256_and_si256(v, _mm256_set1_epi32(0xffff));
}

// All-ones in the lanes whose node sends NaN right (the flag bytes at `at`).
inline __m256i nan_right_lanes(const uint8_t* nan_right, __m256i at) {
  const __m256i bytes = _mm256_i32gather_epi32(reinterpret_cast<const int*>(nan_right), at, 1);
  return _mm256_cmpeq_epi32(_mm256_and_si256(bytes, _mm256_set1_epi32(0xff)), _mm256_set1_epi32(1));
}

// All-ones in the lanes that go right. Float: !(x <= t), true for a NaN threshold;
// codes: x > code, true for code -1. With kNan, a NaN lane takes the node's flag.
template <bool kNan>
inline __m256i right_lanes(__m256i x, __m256i threshold, const uint8_t* nan_right, __m256i at, float) {
  const __m256 xf = _mm256_castsi256_ps(x);
  __m256 right = _mm256_cmp_ps(xf, _mm256_castsi256_ps(threshold), _CMP_NLE_UQ);
  if constexpr (kNan) {
    const __m256 nan = _mm256_cmp_ps(xf, xf, _CMP_UNORD_Q);
    right = _mm256_blendv_ps(right, _mm256_castsi256_ps(nan_right_lanes(nan_right, at)), nan);
  }
  return _mm256_castps_si256(right);
}
template <bool kNan>
inline __m256i right_lanes(__m256i x, __m256i threshold, const uint8_t* nan_right, __m256i at, uint16_t) {
  __m256i right = _mm256_cmpgt_epi32(x, threshold);
  if constexpr (kNan) {
    const __m256i nan = _mm256_cmpeq_epi32(x, _mm256_set1_epi32(kNanCode));
    right = _mm256_blendv_epi8(right, nan_right_lanes(nan_right, at), nan);
  }
  return right;
}

inline constexpr int kGroups = 4;

// idx = 2 * idx + 1 + right (right lanes are -1).
inline __m256i step(__m256i idx, __m256i right) {
  return _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(idx, idx), _mm256_set1_epi32(1)), right);
}

// Adds lane j's leaf (index leaf[j] into leaves) to row r0 + j.
template <typename Acc, typename Value>
inline void add_leaves(const ArrayForest<ArrayNode32, Acc>& forest, size_t t, const Acc* leaves, __m256i leaf,
                       const ArrayBlock<Value, Acc>& block, size_t r0) {
  if (forest.leaf_size == 1) {
    Acc* acc = block.acc + static_cast<size_t>(forest.output[t]) * block.acc_stride + r0;
    if constexpr (sizeof(Acc) == 4) {
      _mm256_storeu_ps(acc, _mm256_add_ps(_mm256_loadu_ps(acc), _mm256_i32gather_ps(leaves, leaf, 4)));
    } else {
      const __m256d lo = _mm256_i32gather_pd(leaves, _mm256_castsi256_si128(leaf), 8);
      const __m256d hi = _mm256_i32gather_pd(leaves, _mm256_extracti128_si256(leaf, 1), 8);
      _mm256_storeu_pd(acc, _mm256_add_pd(_mm256_loadu_pd(acc), lo));
      _mm256_storeu_pd(acc + 4, _mm256_add_pd(_mm256_loadu_pd(acc + 4), hi));
    }
    return;
  }
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), leaf);
  for (int j = 0; j < 8; ++j) add_leaf(forest, t, leaves, lanes[j], block, r0 + j);
}

template <bool kNan, typename Value, typename Acc>
void rows_in_lanes(const ArrayForest<ArrayNode32, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  const size_t n = block.num_rows;
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (size_t t = 0; t < num_trees; ++t) {
    const int32_t depth = forest.depth[t];
    const ArrayNode32* nodes = forest.nodes + forest.node_begin[t];
    const uint8_t* nan_right = forest.nan_right + forest.node_begin[t];
    const int* thresholds = reinterpret_cast<const int*>(&nodes->code);
    const int* features = reinterpret_cast<const int*>(&nodes->feature);
    const Acc* leaves = forest.leaves + forest.leaf_begin[t];
    const __m256i first_leaf = _mm256_set1_epi32(static_cast<int>((1u << depth) - 1));
    size_t r = 0;
    // Groups of 8 rows in flight at once: a gather's latency is long, and independent
    // groups fill it.
    for (; r + 8 * kGroups <= n; r += 8 * kGroups) {
      const Value* rows = block.rows + r;
      __m256i idx[kGroups], row_lanes[kGroups];
      for (int g = 0; g < kGroups; ++g) {
        idx[g] = _mm256_setzero_si256();
        row_lanes[g] = _mm256_add_epi32(lanes, _mm256_set1_epi32(8 * g));
      }
      for (int32_t d = 0; d < depth; ++d) {
        for (int g = 0; g < kGroups; ++g) {
          const __m256i threshold = _mm256_i32gather_epi32(thresholds, idx[g], 8);
          const __m256i feature = _mm256_i32gather_epi32(features, idx[g], 8);
          const __m256i x = lane_values(rows, _mm256_add_epi32(row_lanes[g], feature));
          idx[g] = step(idx[g], right_lanes<kNan>(x, threshold, nan_right, idx[g], Value{}));
        }
      }
      for (int g = 0; g < kGroups; ++g)
        add_leaves(forest, t, leaves, _mm256_sub_epi32(idx[g], first_leaf), block, r + 8 * g);
    }
    for (; r + 8 <= n; r += 8) {
      const Value* rows = block.rows + r;
      __m256i idx = _mm256_setzero_si256();
      for (int32_t d = 0; d < depth; ++d) {
        const __m256i threshold = _mm256_i32gather_epi32(thresholds, idx, 8);
        const __m256i feature = _mm256_i32gather_epi32(features, idx, 8);
        const __m256i x = lane_values(rows, _mm256_add_epi32(lanes, feature));
        idx = step(idx, right_lanes<kNan>(x, threshold, nan_right, idx, Value{}));
      }
      add_leaves(forest, t, leaves, _mm256_sub_epi32(idx, first_leaf), block, r);
    }
    for (; r < n; ++r) add_leaf(forest, t, leaves, padded_one<kNan>(forest, t, block.rows + r), block, r);
  }
}

// One row at a time, eight trees in the lanes; leaves are added in tree order.
template <bool kNan, typename Value, typename Acc>
void trees_in_lanes(const ArrayForest<ArrayNode32, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  const int* thresholds = reinterpret_cast<const int*>(&forest.nodes->code);
  const int* features = reinterpret_cast<const int*>(&forest.nodes->feature);
  for (size_t r = 0; r < block.num_rows; ++r) {
    const Value* row = block.rows + r;
    size_t t = 0;
    for (; t + 8 <= num_trees; t += 8) {
      alignas(32) int32_t begin[8], depth[8];
      int32_t max_depth = 0;
      for (int j = 0; j < 8; ++j) {
        begin[j] = static_cast<int32_t>(forest.node_begin[t + j]);
        depth[j] = forest.depth[t + j];
        max_depth = depth[j] > max_depth ? depth[j] : max_depth;
      }
      const __m256i base = _mm256_load_si256(reinterpret_cast<const __m256i*>(begin));
      const __m256i depths = _mm256_load_si256(reinterpret_cast<const __m256i*>(depth));
      __m256i idx = _mm256_setzero_si256();
      for (int32_t d = 0; d < max_depth; ++d) {
        // A lane whose tree has ended holds a leaf number, which may lie past the
        // last node of the forest (and a single-leaf tree has no node at all): it
        // reads the forest's first node instead, and keeps idx.
        const __m256i active = _mm256_cmpgt_epi32(depths, _mm256_set1_epi32(d));
        const __m256i at = _mm256_and_si256(_mm256_add_epi32(base, idx), active);
        const __m256i threshold = _mm256_i32gather_epi32(thresholds, at, 8);
        const __m256i feature = _mm256_i32gather_epi32(features, at, 8);
        const __m256i x = lane_values(row, feature);
        const __m256i next = step(idx, right_lanes<kNan>(x, threshold, forest.nan_right, at, Value{}));
        idx = _mm256_blendv_epi8(idx, next, active);
      }
      alignas(32) uint32_t leaf[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(leaf), idx);
      for (int j = 0; j < 8; ++j)
        add_leaf(forest, t + j, forest.leaves + forest.leaf_begin[t + j], leaf[j] - ((1u << depth[j]) - 1), block, r);
    }
    for (; t < num_trees; ++t)
      add_leaf(forest, t, forest.leaves + forest.leaf_begin[t], padded_one<kNan>(forest, t, row), block, r);
  }
}

template <typename Value, typename Acc>
void predict_avx2(const ArrayForest<ArrayNode32, Acc>& forest, size_t num_trees, const ArrayBlock<Value, Acc>& block) {
  if (forest.walk_nodes) return predict_portable(forest, num_trees, block);  // walked trees: no gather kernel
  if (block.num_rows < 8) {
    if (block.has_nan) trees_in_lanes<true>(forest, num_trees, block);
    else trees_in_lanes<false>(forest, num_trees, block);
    return;
  }
  if (block.has_nan) rows_in_lanes<true>(forest, num_trees, block);
  else rows_in_lanes<false>(forest, num_trees, block);
}

}  // namespace
}  // namespace avx2

const ArrayKernelTable& array_kernels_avx2() {
  static const ArrayKernelTable table = {
      "avx2",
      8,
      false,
      true,
      avx2::predict_avx2<float, float>,
      avx2::predict_avx2<float, double>,
      avx2::predict_portable<ArrayNode64, double, float>,
      avx2::predict_portable<ArrayNode64, double, double>,
      avx2::predict_avx2<uint16_t, float>,
      avx2::predict_avx2<uint16_t, double>,
  };
  return table;
}

}  // namespace xylem::kernels
