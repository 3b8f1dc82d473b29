// The interface every prediction engine implements: the reference predictor and the
// engines compiled from the IR. The API (engine/api) picks one at load time and only
// talks to it through this interface; threading happens above it, so an engine only
// predicts a range of rows on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xylem::engine {

struct PredictRequest {
  bool margin = false;
  int32_t num_iterations = 0;  // 0: all trees; else the first N boosting iterations (checked by the caller)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // "reference", "tree_nodes", "tree_array/avx2", "tree_array/portable/quantized".
  virtual std::string name() const = 0;
  // Bytes the engine holds beyond the IR.
  virtual size_t memory_bytes() const = 0;
  // rows: n x num_features, row-major, NaN = missing; out: n x (margin ? num_outputs : prediction width).
  virtual void predict(const double* rows, size_t n, double* out, const PredictRequest& request) const = 0;
  virtual void predict(const float* rows, size_t n, double* out, const PredictRequest& request) const = 0;
  // Threads split a batch at multiples of this many rows, so that every row is
  // computed in the same block as without threads (BLAS's bits depend on the block
  // size: the dense engine says 256). 1: a row's result never depends on its batch.
  virtual size_t row_alignment() const { return 1; }
};

}  // namespace xylem::engine
