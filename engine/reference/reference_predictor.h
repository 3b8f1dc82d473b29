// The reference predictor: a plain, scalar evaluation of the IR that follows each
// rule of the IR literally. It is the oracle the fast engines are tested against,
// so it favours clarity over speed. It holds no mutable state: concurrent calls on
// one instance are safe.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::reference {

class ReferencePredictor {
 public:
  explicit ReferencePredictor(ir::Model model);

  const ir::Model& model() const { return model_; }

  // One row of num_features values (NaN = missing) in, one result out:
  // margins (num_outputs values) when `margin`, else prediction_width values.
  // `num_iterations` > 0 uses only the trees of the first that many boosting iterations.
  void predict_row(const double* row, double* out, bool margin, int32_t num_iterations = 0) const;

  // Number of boosting iterations (trees / trees_per_iteration).
  int32_t num_iterations() const;

  // The leaf a row reaches in one tree (exposed for tests and `inspect`).
  int32_t leaf_index(size_t tree, const double* row) const;

 private:
  template <typename Acc>
  void accumulate_margins(const double* row, Acc* acc, size_t num_trees, bool average) const;
  double leaf_output(const ir::Tree& tree, int32_t leaf, const double* row) const;
  template <typename T>
  void apply_transform(const T* margins, double* out) const;

  double input_value(const double* row, int32_t feature) const;
  bool goes_left(size_t tree, int32_t node, double value) const;
  bool category_goes_left(const ir::Tree& tree, const std::vector<int32_t>& set_of_node, int32_t node,
                          double value) const;

  ir::Model model_;
  // Per tree, node -> index into category_sets (-1 for non-categorical nodes).
  std::vector<std::vector<int32_t>> category_set_of_node_;
  // Number of trees adding to each output (for Aggregation::Average).
  std::vector<double> trees_per_output_;
};

}  // namespace xylem::reference
