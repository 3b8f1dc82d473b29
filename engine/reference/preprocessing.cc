#include "engine/reference/preprocessing.h"

#include <algorithm>
#include <cmath>

namespace xylem::reference {

void apply_step(const ir::Step& s, const double* in, double* out) {
  const size_t n = static_cast<size_t>(s.inputs);
  switch (s.kind) {
    case ir::StepKind::StandardScale:
      // scikit-learn subtracts the mean, then divides (never multiplies by 1/scale).
      for (size_t c = 0; c < n; ++c) out[c] = (in[c] - s.offsets[c]) / s.scales[c];
      return;
    case ir::StepKind::MinMaxScale:
      for (size_t c = 0; c < n; ++c) {
        double x = in[c] * s.scales[c];
        x += s.offsets[c];
        // np.clip keeps NaN; std::clamp's comparisons would too, but spell it out.
        if (s.clip && !std::isnan(x)) x = std::min(std::max(x, s.clip_min), s.clip_max);
        out[c] = x;
      }
      return;
    case ir::StepKind::MaxAbsScale:
      for (size_t c = 0; c < n; ++c) out[c] = in[c] / s.scales[c];
      return;
    case ir::StepKind::ImputeConstant:
      for (size_t c = 0; c < n; ++c) out[c] = std::isnan(in[c]) ? s.values[c] : in[c];
      return;
    case ir::StepKind::OneHot: {
      size_t k = 0, o = 0;
      for (size_t c = 0; c < n; ++c) {
        if (k < s.columns.size() && static_cast<size_t>(s.columns[k]) == c) {
          const std::vector<double>& cats = s.categories[k];
          for (double category : cats) out[o++] = in[c] == category ? 1.0 : 0.0;
          ++k;
        } else {
          out[o++] = in[c];
        }
      }
      return;
    }
    case ir::StepKind::SelectColumns:
      for (size_t j = 0; j < s.columns.size(); ++j) out[j] = in[s.columns[j]];
      return;
  }
}

size_t widest_step(const std::vector<ir::Step>& steps) {
  size_t widest = 0;
  for (const ir::Step& s : steps)
    widest = std::max({widest, static_cast<size_t>(s.inputs), static_cast<size_t>(ir::step_outputs(s))});
  return widest;
}

void apply_steps(const std::vector<ir::Step>& steps, const double* row, double* out, std::vector<double>& scratch) {
  const size_t widest = widest_step(steps);
  scratch.resize(2 * widest);
  double* a = scratch.data();
  double* b = scratch.data() + widest;
  const double* in = row;
  for (size_t i = 0; i < steps.size(); ++i) {
    double* dst = i + 1 == steps.size() ? out : (in == a ? b : a);
    apply_step(steps[i], in, dst);
    in = dst;
  }
}

}  // namespace xylem::reference
