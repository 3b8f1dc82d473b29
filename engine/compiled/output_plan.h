// The end of every compiled prediction: from the per-row sums of leaves to what the
// library returns (averaging, scale, base scores added last, the transform), in the
// library's precision and order, exactly as the reference predictor does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::compiled {

struct OutputPlan {
  int32_t num_outputs = 1;
  int32_t prediction_width = 1;
  ir::OutputStage stage;
  std::vector<double> trees_per_output;      // for Aggregation::Average over all trees
  std::vector<int32_t> tree_outputs;         // per tree: its output, or -1 for a vector-leaf tree
  int32_t trees_per_iteration = 1;

  explicit OutputPlan(const ir::Model& model);
  OutputPlan() = default;

  // Number of trees in the first `num_iterations` iterations (0: all).
  size_t trees_used(int32_t num_iterations) const;

  // The value an accumulator starts from (base scores first, else 0).
  template <typename Acc>
  Acc initial(int32_t output) const {
    return stage.base_scores_first ? static_cast<Acc>(stage.base_scores[output]) : Acc(0);
  }

  // acc: num_outputs x acc_stride (output-major), n rows; out: n x (margin ? num_outputs : prediction_width).
  template <typename Acc>
  void finish(const Acc* acc, size_t acc_stride, size_t n, size_t num_trees, bool margin, double* out) const;
};

}  // namespace xylem::compiled
