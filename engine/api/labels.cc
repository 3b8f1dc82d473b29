// Model::predict_labels: the training library's class decision, from predictions or
// margins as its predict() takes it (ir::LabelRule).
#include <string>
#include <vector>

#include "engine/api/model_impl.h"
#include "xylem/xylem.h"

namespace xylem {
namespace {

size_t first_arg_max(const double* x, size_t n) {
  size_t best = 0;
  for (size_t k = 1; k < n; ++k)
    if (x[k] > x[best]) best = k;
  return best;
}

template <typename Row>
std::vector<std::string> labels_of(const Model& model, const ir::Model& m, const Row* rows, size_t n_rows,
                                   PredictOptions options) {
  if (m.task != ir::Task::BinaryClassification && m.task != ir::Task::MulticlassClassification)
    throw Error(std::string("labels: the model is not a classifier (task ") + ir::to_string(m.task) + ")");
  if (options.margin) throw Error("labels come from predictions, not margins: options.margin must be false");
  const ir::LabelRule rule = m.output.label_rule;
  options.margin = rule != ir::LabelRule::Auto;
  const size_t width = static_cast<size_t>(model.output_width(options.margin));
  std::vector<double> out(n_rows * width);
  model.predict(rows, n_rows, out.data(), options);

  const bool class_index = !options.margin && (m.output.transform == ir::Transform::ArgMaxClass ||
                                               m.output.transform == ir::Transform::HingeClass);
  std::vector<std::string> labels;
  labels.reserve(n_rows);
  for (size_t r = 0; r < n_rows; ++r) {
    const double* p = &out[r * width];
    size_t k = 0;
    switch (rule) {
      case ir::LabelRule::Auto:
        // Class indices come as exact small integers; NaN (a NaN margin) falls to class 0.
        if (class_index) k = p[0] >= 1 ? static_cast<size_t>(p[0]) : 0;
        else k = width == 1 ? (p[0] > 0.5 ? 1 : 0) : first_arg_max(p, width);
        break;
      case ir::LabelRule::MarginPositive: k = p[0] > 0 ? 1 : 0; break;
      case ir::LabelRule::MarginNonNegative: k = p[0] >= 0 ? 1 : 0; break;
      case ir::LabelRule::ArgMaxMargin: k = first_arg_max(p, width); break;
    }
    labels.push_back(k < m.class_labels.size() ? m.class_labels[k] : std::to_string(k));
  }
  return labels;
}

}  // namespace

std::vector<std::string> Model::predict_labels(const float* rows, size_t n_rows, const PredictOptions& options) const {
  return labels_of(*this, impl_->ir(), rows, n_rows, options);
}

std::vector<std::string> Model::predict_labels(const double* rows, size_t n_rows, const PredictOptions& options) const {
  return labels_of(*this, impl_->ir(), rows, n_rows, options);
}

}  // namespace xylem
