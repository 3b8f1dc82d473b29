#include "engine/compiled/pipeline_engine.h"

#include <algorithm>
#include <numeric>

#include "engine/reference/preprocessing.h"

namespace xylem::compiled {

// Rows preprocessed per call of the estimator: enough for its batch kernels (BLAS,
// SIMD trees), few enough that the preprocessed block stays in cache.
constexpr size_t kPipelineBlockRows = 256;

PipelineEngine::PipelineEngine(std::vector<ir::Step> steps,
                               std::unique_ptr<reference::ReferencePredictor> estimator_reference,
                               std::unique_ptr<engine::Engine> estimator)
    : steps_(std::move(steps)),
      inputs_(static_cast<size_t>(steps_.front().inputs)),
      features_(static_cast<size_t>(estimator_reference->model().num_features)),
      width_(static_cast<size_t>(ir::prediction_width(estimator_reference->model()))),
      margin_width_(static_cast<size_t>(estimator_reference->model().num_outputs)),
      estimator_reference_(std::move(estimator_reference)),
      estimator_(std::move(estimator)) {}

size_t PipelineEngine::memory_bytes() const {
  size_t total = sizeof(*this) + estimator_->memory_bytes();
  for (const ir::Step& s : steps_)
    total += sizeof(s) + (s.offsets.size() + s.scales.size() + s.values.size()) * sizeof(double) +
             s.columns.size() * sizeof(int32_t);
  return total;
}

// The estimator sees blocks of kPipelineBlockRows from the start of each call; a
// split at multiples of it (and of the estimator's own alignment) changes nothing.
size_t PipelineEngine::row_alignment() const {
  const size_t inner = estimator_->row_alignment();
  return inner == 1 ? 1 : std::lcm(inner, kPipelineBlockRows);
}

template <typename Src>
void PipelineEngine::run(const Src* rows, size_t n, double* out, const engine::PredictRequest& request) const {
  thread_local std::vector<double> raw, features, scratch;
  const size_t width = request.margin ? margin_width_ : width_;
  raw.resize(inputs_);
  for (size_t begin = 0; begin < n; begin += kPipelineBlockRows) {
    const size_t m = std::min(kPipelineBlockRows, n - begin);
    if (features.size() < m * features_) features.resize(m * features_);
    for (size_t r = 0; r < m; ++r) {
      const Src* src = rows + (begin + r) * inputs_;
      std::copy_n(src, inputs_, raw.begin());
      reference::apply_steps(steps_, raw.data(), features.data() + r * features_, scratch);
    }
    estimator_->predict(features.data(), m, out + begin * width, request);
  }
}

void PipelineEngine::predict(const double* rows, size_t n, double* out, const engine::PredictRequest& request) const {
  run(rows, n, out, request);
}

void PipelineEngine::predict(const float* rows, size_t n, double* out, const engine::PredictRequest& request) const {
  run(rows, n, out, request);
}

}  // namespace xylem::compiled
