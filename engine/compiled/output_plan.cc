#include "engine/compiled/output_plan.h"

#include <algorithm>

#include "engine/reference/transforms.h"

namespace xylem::compiled {

OutputPlan::OutputPlan(const ir::Model& model)
    : num_outputs(model.num_outputs),
      prediction_width(ir::prediction_width(model)),
      stage(model.output),
      trees_per_output(model.num_outputs, 0.0),
      trees_per_iteration(model.ensemble.trees_per_iteration) {
  for (const ir::Tree& tree : model.ensemble.trees) {
    tree_outputs.push_back(tree.leaf_size == 1 ? tree.output : -1);
    if (tree.leaf_size == 1) trees_per_output[tree.output] += 1;
    else for (double& count : trees_per_output) count += 1;
  }
}

size_t OutputPlan::trees_used(int32_t num_iterations) const {
  if (num_iterations <= 0) return tree_outputs.size();
  return std::min(tree_outputs.size(), static_cast<size_t>(num_iterations) * trees_per_iteration);
}

template <typename Acc>
void OutputPlan::finish(const Acc* acc, size_t acc_stride, size_t n, size_t num_trees, bool margin,
                        double* out) const {
  const int32_t k_outputs = num_outputs;
  const bool average = stage.aggregation == ir::Aggregation::Average && !(margin && stage.margin_before_average);
  // Averages divide by the number of trees actually used for each output.
  thread_local std::vector<double> used;
  const std::vector<double>* counts = &trees_per_output;
  if (average && num_trees != tree_outputs.size()) {
    used.assign(k_outputs, 0.0);
    for (size_t t = 0; t < num_trees; ++t) {
      if (tree_outputs[t] >= 0) used[tree_outputs[t]] += 1;
      else for (double& c : used) c += 1;
    }
    counts = &used;
  }
  thread_local std::vector<Acc> row_acc;
  row_acc.resize(k_outputs);
  const size_t width = margin ? k_outputs : prediction_width;
  for (size_t r = 0; r < n; ++r) {
    for (int32_t k = 0; k < k_outputs; ++k) row_acc[k] = acc[static_cast<size_t>(k) * acc_stride + r];
    if (average)
      for (int32_t k = 0; k < k_outputs; ++k)
        if ((*counts)[k] > 0) row_acc[k] /= static_cast<Acc>((*counts)[k]);
    if (stage.scale != 1.0)
      for (int32_t k = 0; k < k_outputs; ++k) row_acc[k] *= static_cast<Acc>(stage.scale);
    if (!stage.base_scores_first)
      for (int32_t k = 0; k < k_outputs; ++k) row_acc[k] += static_cast<Acc>(stage.base_scores[k]);
    double* dst = out + r * width;
    if (margin) {
      std::copy(row_acc.begin(), row_acc.end(), dst);
    } else if (stage.transform_precision == ir::Precision::Float32) {
      thread_local std::vector<float> m;
      m.assign(row_acc.begin(), row_acc.end());
      reference::transform_float32(stage, m.data(), k_outputs, dst);
    } else {
      thread_local std::vector<double> m;
      m.assign(row_acc.begin(), row_acc.end());
      reference::transform_float64(stage, m.data(), k_outputs, dst);
    }
  }
}

template void OutputPlan::finish<float>(const float*, size_t, size_t, size_t, bool, double*) const;
template void OutputPlan::finish<double>(const double*, size_t, size_t, size_t, bool, double*) const;

}  // namespace xylem::compiled
