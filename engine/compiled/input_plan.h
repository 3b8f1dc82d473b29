// How a compiled engine turns the caller's rows into the values its trees compare,
// once per row instead of once per node: LightGBM's zeroing of tiny inputs, rounding
// to float32 (XGBoost, CatBoost), zero-as-missing (a feature whose nodes all treat
// |x| <= 1e-35 as missing gets NaN there) and, for quantized engines, the rank code
// of the value among its feature's thresholds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/ir/model_ir.h"
#include "kernels/tree_array_kernels.h"

namespace xylem::compiled {

struct InputPlan {
  int32_t num_features = 0;
  bool tiny_inputs_are_zero = false;
  std::vector<uint8_t> zero_is_missing;  // per feature
  // Quantized engines: feature f's thresholds, sorted and distinct, are
  // code_thresholds[code_begin[f] .. code_begin[f + 1]); the code of x is the number
  // of them below x, so x <= thresholds[j] exactly when code(x) <= j.
  std::vector<uint32_t> code_begin;
  std::vector<double> code_thresholds;

  size_t memory_bytes() const {
    return zero_is_missing.size() + code_begin.size() * sizeof(uint32_t) + code_thresholds.size() * sizeof(double);
  }
};

// The comparison value of one input, in T (float when the library rounds inputs to
// float32, else double), exactly as the reference predictor computes it.
template <typename T>
inline T prepared_value(const InputPlan& plan, double v, int32_t feature) {
  if (plan.tiny_inputs_are_zero && std::fabs(v) <= ir::kZeroThreshold) v = 0.0;
  T x = static_cast<T>(v);
  if (plan.zero_is_missing[feature] && std::fabs(x) <= ir::kZeroThreshold) x = static_cast<T>(NAN);
  return x;
}

// Rows -> prepared values: value f of row r goes to out[r * row_step + f * feature_step]
// (row-major: row_step = num_features, feature_step = 1; feature-major: 1 and the
// block size). Returns whether any is NaN.
template <typename T, typename Src>
bool prepare_rows(const InputPlan& plan, const Src* rows, size_t n, T* out, size_t row_step, size_t feature_step) {
  const size_t f_count = static_cast<size_t>(plan.num_features);
  bool any_nan = false;
  for (size_t r = 0; r < n; ++r) {
    const Src* row = rows + r * f_count;
    T* dst = out + r * row_step;
    for (size_t f = 0; f < f_count; ++f) {
      const T x = prepared_value<T>(plan, static_cast<double>(row[f]), static_cast<int32_t>(f));
      any_nan |= x != x;
      dst[f * feature_step] = x;
    }
  }
  return any_nan;
}

// Rows -> rank codes (uint16, kNanCode for NaN), comparing in T as prepare_rows would,
// in the same layouts.
template <typename T, typename Src>
bool prepare_codes(const InputPlan& plan, const Src* rows, size_t n, uint16_t* out, size_t row_step,
                   size_t feature_step) {
  const size_t f_count = static_cast<size_t>(plan.num_features);
  bool any_nan = false;
  for (size_t r = 0; r < n; ++r) {
    const Src* row = rows + r * f_count;
    uint16_t* dst = out + r * row_step;
    for (size_t f = 0; f < f_count; ++f) {
      const T x = prepared_value<T>(plan, static_cast<double>(row[f]), static_cast<int32_t>(f));
      if (x != x) {
        any_nan = true;
        dst[f * feature_step] = kernels::kNanCode;
        continue;
      }
      const double* begin = plan.code_thresholds.data() + plan.code_begin[f];
      const double* end = plan.code_thresholds.data() + plan.code_begin[f + 1];
      dst[f * feature_step] = static_cast<uint16_t>(std::lower_bound(begin, end, static_cast<double>(x)) - begin);
    }
  }
  return any_nan;
}

}  // namespace xylem::compiled
