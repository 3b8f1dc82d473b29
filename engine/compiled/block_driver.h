// The loop every compiled engine runs: rows in blocks small enough to stay in cache;
// per block, prepare the inputs once, start the accumulators from the base scores,
// let the kernel add all trees (trees outer, rows inner), then finish the outputs.
// Scratch buffers are thread-local and only ever grow, so a call allocates nothing
// once a thread has seen a block of that size (the batch-1 path included).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "engine/compiled/engine.h"
#include "engine/compiled/output_plan.h"

namespace xylem::compiled {

// Rows per block: about 128 KiB of prepared values (they stay in L2 while one tree
// after another walks them), a multiple of 8, 8 to 1024 rows. Each tree's nodes come
// from L3 once per block, so small blocks let that dominate: on a 700-tree depth-10
// model, 32 KiB blocks were about 1.5x slower than 128 KiB ones.
// `min_rows` (a multiple of 8) overrides the byte budget for very wide rows.
inline size_t block_rows_for(size_t row_bytes, size_t min_rows = 8) {
  const size_t rows = (size_t{128} << 10) / std::max<size_t>(row_bytes, 1);
  return std::clamp<size_t>(rows / 8 * 8, std::max<size_t>(min_rows, 8), 1024);
}

// prepare(src_rows, n, values) -> has_nan, filling the block's values in the engine's
// layout; kernel(values, n, has_nan, acc, num_trees). `block` rows at most per block,
// `values_per_block` values of scratch (plus 2 spare for kernels that read 4 bytes at
// the last uint16 code).
template <typename Value, typename Acc, typename Src, typename Prepare, typename Kernel>
void predict_in_blocks(const OutputPlan& output, size_t num_features, size_t block, size_t values_per_block,
                       const Src* rows, size_t n, double* out, const engine::PredictRequest& request,
                       Prepare&& prepare, Kernel&& kernel) {
  thread_local std::vector<Value> values;
  thread_local std::vector<Acc> acc;
  const size_t k_outputs = static_cast<size_t>(output.num_outputs);
  const size_t width = request.margin ? k_outputs : static_cast<size_t>(output.prediction_width);
  const size_t num_trees = output.trees_used(request.num_iterations);
  if (values.size() < values_per_block + 2) values.resize(values_per_block + 2);
  for (size_t begin = 0; begin < n; begin += block) {
    const size_t rows_here = std::min(block, n - begin);
    if (acc.size() < k_outputs * rows_here) acc.resize(k_outputs * rows_here);
    const bool has_nan = prepare(rows + begin * num_features, rows_here, values.data());
    for (size_t k = 0; k < k_outputs; ++k)
      std::fill_n(acc.data() + k * rows_here, rows_here, output.template initial<Acc>(static_cast<int32_t>(k)));
    kernel(values.data(), rows_here, has_nan, acc.data(), num_trees);
    output.finish(acc.data(), rows_here, rows_here, num_trees, request.margin, out + begin * width);
  }
}

}  // namespace xylem::compiled
