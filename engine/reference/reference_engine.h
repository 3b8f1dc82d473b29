// The reference predictor behind the Engine interface, so that it can be chosen
// (`--engine reference`) and serve models no compiled engine runs.
#pragma once

#include <algorithm>
#include <vector>

#include "engine/compiled/engine.h"
#include "engine/reference/reference_predictor.h"

namespace xylem::reference {

class ReferenceEngine final : public engine::Engine {
 public:
  explicit ReferenceEngine(const ReferencePredictor& predictor) : predictor_(predictor) {}
  std::string name() const override { return "reference"; }
  size_t memory_bytes() const override { return sizeof(*this); }
  void predict(const double* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }
  void predict(const float* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }

 private:
  template <typename Src>
  void run(const Src* rows, size_t n, double* out, const engine::PredictRequest& request) const {
    const ir::Model& m = predictor_.model();
    const size_t n_features = ir::input_width(m);
    const size_t width = request.margin ? m.num_outputs : ir::prediction_width(m);
    std::vector<double> row(n_features), result(std::max<int32_t>(ir::prediction_width(m), m.num_outputs));
    for (size_t r = 0; r < n; ++r) {
      std::copy_n(rows + r * n_features, n_features, row.begin());
      predictor_.predict_row(row.data(), result.data(), request.margin, request.num_iterations);
      std::copy_n(result.begin(), width, out + r * width);
    }
  }
  const ReferencePredictor& predictor_;
};

}  // namespace xylem::reference
