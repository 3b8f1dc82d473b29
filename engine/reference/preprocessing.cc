#include "engine/reference/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace xylem::reference {

namespace {

// ONNX Runtime's Normalizer (ml/normalizer.cc), in T: MAX divides by the largest value
// (std::max skips a NaN after the first column), L1 by the sum of |x|, L2 takes
// sign(x) * sqrt(x^2 / sum of squares); a zero divisor leaves the row as it is.
// The inputs are read as T (in and out are distinct rows).
template <typename T>
void normalize(ir::Norm norm, const double* in, double* out, size_t n) {
  auto x = [&](size_t c) { return static_cast<T>(in[c]); };
  T d = 0;
  switch (norm) {
    case ir::Norm::Max:
      d = std::numeric_limits<T>::lowest();
      for (size_t c = 0; c < n; ++c) d = std::max(d, x(c));
      break;
    case ir::Norm::L1:
      for (size_t c = 0; c < n; ++c) d += std::fabs(x(c));
      break;
    case ir::Norm::L2:
      for (size_t c = 0; c < n; ++c) d += x(c) * x(c);
      break;
  }
  for (size_t c = 0; c < n; ++c) {
    const T v = x(c);
    if (d == 0) {
      out[c] = v;
    } else if (norm == ir::Norm::L2) {
      const T r = std::sqrt(v * v / d);
      out[c] = v < 0 ? -r : r;
    } else {
      out[c] = v / d;
    }
  }
}

// The steps without arithmetic, on inputs read as T: one-hot indicators and column selection.
template <typename T>
void apply_layout_step(const ir::Step& s, const double* in, double* out) {
  auto x = [&](size_t c) { return static_cast<double>(static_cast<T>(in[c])); };
  if (s.kind == ir::StepKind::SelectColumns) {
    for (size_t j = 0; j < s.columns.size(); ++j) out[j] = x(static_cast<size_t>(s.columns[j]));
    return;
  }
  size_t k = 0, o = 0;
  for (size_t c = 0; c < static_cast<size_t>(s.inputs); ++c) {
    if (k < s.columns.size() && static_cast<size_t>(s.columns[k]) == c) {
      for (double category : s.categories[k]) out[o++] = x(c) == category ? 1.0 : 0.0;
      ++k;
    } else {
      out[o++] = x(c);
    }
  }
}

// A step whose arithmetic is float32 (ONNX Runtime on a float tensor): the inputs and
// constants are floats and every operation rounds to float.
void apply_step_float32(const ir::Step& s, const double* in, double* out) {
  const size_t n = static_cast<size_t>(s.inputs);
  auto f = [](double v) { return static_cast<float>(v); };
  switch (s.kind) {
    case ir::StepKind::StandardScale:
      for (size_t c = 0; c < n; ++c) out[c] = (f(in[c]) - f(s.offsets[c])) / f(s.scales[c]);
      return;
    case ir::StepKind::ShiftScale:
      for (size_t c = 0; c < n; ++c) out[c] = (f(in[c]) - f(s.offsets[c])) * f(s.scales[c]);
      return;
    case ir::StepKind::MinMaxScale:
      for (size_t c = 0; c < n; ++c) {
        float x = f(in[c]) * f(s.scales[c]);
        x += f(s.offsets[c]);
        if (s.clip && !std::isnan(x)) x = std::min(std::max(x, f(s.clip_min)), f(s.clip_max));
        out[c] = x;
      }
      return;
    case ir::StepKind::MaxAbsScale:
      for (size_t c = 0; c < n; ++c) out[c] = f(in[c]) / f(s.scales[c]);
      return;
    case ir::StepKind::ImputeConstant:
      for (size_t c = 0; c < n; ++c) out[c] = std::isnan(in[c]) ? f(s.values[c]) : f(in[c]);
      return;
    case ir::StepKind::Normalize:
      normalize<float>(s.norm, in, out, n);
      return;
    case ir::StepKind::OneHot:
    case ir::StepKind::SelectColumns:
      apply_layout_step<float>(s, in, out);
      return;
  }
}

}  // namespace

void apply_step(const ir::Step& s, const double* in, double* out) {
  if (s.precision == ir::Precision::Float32) return apply_step_float32(s, in, out);
  const size_t n = static_cast<size_t>(s.inputs);
  switch (s.kind) {
    case ir::StepKind::ShiftScale:
      for (size_t c = 0; c < n; ++c) out[c] = (in[c] - s.offsets[c]) * s.scales[c];
      return;
    case ir::StepKind::Normalize:
      normalize<double>(s.norm, in, out, n);
      return;
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
    case ir::StepKind::OneHot:
    case ir::StepKind::SelectColumns:
      apply_layout_step<double>(s, in, out);
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
