// A model with preprocessing steps: the steps run row by row in float64 (the one
// implementation in engine/reference/preprocessing.h), block by block, and the
// estimator's own engine predicts from the preprocessed rows.
#pragma once

#include <memory>
#include <vector>

#include "engine/compiled/engine.h"
#include "engine/ir/model_ir.h"
#include "engine/reference/reference_predictor.h"

namespace xylem::compiled {

class PipelineEngine final : public engine::Engine {
 public:
  // `estimator` predicts from the rows the steps give; it may refer to `estimator_reference`,
  // which the pipeline keeps alive.
  PipelineEngine(std::vector<ir::Step> steps, std::unique_ptr<reference::ReferencePredictor> estimator_reference,
                 std::unique_ptr<engine::Engine> estimator);

  std::string name() const override { return "steps+" + estimator_->name(); }
  size_t memory_bytes() const override;
  size_t row_alignment() const override;
  void predict(const double* rows, size_t n, double* out, const engine::PredictRequest& request) const override;
  void predict(const float* rows, size_t n, double* out, const engine::PredictRequest& request) const override;

 private:
  template <typename Src>
  void run(const Src* rows, size_t n, double* out, const engine::PredictRequest& request) const;

  std::vector<ir::Step> steps_;
  size_t inputs_, features_, width_, margin_width_;
  std::unique_ptr<reference::ReferencePredictor> estimator_reference_;
  std::unique_ptr<engine::Engine> estimator_;
};

}  // namespace xylem::compiled
