#include "engine/reference/transforms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace xylem::reference {
namespace {

template <typename T>
int32_t first_arg_max(const T* x, int32_t n) {
  int32_t best = 0;
  for (int32_t k = 1; k < n; ++k)
    if (x[k] > x[best]) best = k;
  return best;
}

// ONNX Runtime's ErfInv (ml_common.h): Winitzki's approximation with a = 0.147, in
// float32. It is off the true erfinv by up to ~1e-3, and ORT's PROBIT is defined by it.
float onnx_erfinv(float x) {
  const float sgn = x < 0 ? -1.0f : 1.0f;
  x = (1 - x) * (1 + x);
  const float log = std::log(x);
  const float v = 2 / (std::numbers::pi_v<float> * 0.147f) + 0.5f * log;
  const float v2 = 1 / (0.147f) * log;
  const float v3 = -v + std::sqrt(v * v - v2);
  return sgn * std::sqrt(v3);
}

float onnx_probit(float x) { return std::numbers::sqrt2_v<float> * onnx_erfinv(2 * x - 1); }

// ORT's ComputeSoftmaxZero: scores within 1e-7 of zero stay out of the exponentials
// and the sum (a class no tree voted for keeps probability ~0).
void onnx_softmax_zero(float* x, int32_t n) {
  float v_max = -std::numeric_limits<float>::max();
  for (int32_t k = 0; k < n; ++k)
    if (x[k] > v_max) v_max = x[k];
  const float exp_neg_v_max = std::exp(-v_max);
  float sum = 0.f;
  for (int32_t k = 0; k < n; ++k) {
    if (x[k] > 0.0000001f || x[k] < -0.0000001f) {
      x[k] = std::exp(x[k] - v_max);
      sum += x[k];
    } else {
      x[k] = x[k] * exp_neg_v_max;
    }
  }
  for (int32_t k = 0; k < n; ++k) x[k] = x[k] / sum;
}

// XGBoost's common::SoftPlus (src/common/math.h), in float32.
float xgboost_softplus(float x) {
  if (x > 0.0f) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

// XGBoost's QuantileRegression::PredTransform: an insertion sort with `>`, so a NaN
// stops the scan where it is (std::sort would be free to put it anywhere).
template <typename T>
void insertion_sort(T* x, int32_t n) {
  for (int32_t i = 1; i < n; ++i) {
    const T value = x[i];
    int32_t pos = i;
    while (pos > 0 && x[pos - 1] > value) {
      x[pos] = x[pos - 1];
      --pos;
    }
    x[pos] = value;
  }
}

}  // namespace

// XGBoost's float32 formulas (src/common/math.h): the sigmoid clamps its exponent
// at 88.7 so expf cannot overflow, and softmax sums the exponentials in double.
void transform_float32(const ir::OutputStage& stage, float* x, int32_t n, double* out) {
  switch (stage.transform) {
    case ir::Transform::Identity:
      break;
    case ir::Transform::Sigmoid:
      for (int32_t k = 0; k < n; ++k) {
        float v = stage.sigmoid_alpha == 1.0 ? x[k] : x[k] * static_cast<float>(stage.sigmoid_alpha);
        float e = std::min(-v, 88.7f);
        x[k] = 1.0f / (std::exp(e) + 1.0f + 1e-16f);
      }
      break;
    case ir::Transform::Softmax: {
      float wmax = x[0];
      for (int32_t k = 1; k < n; ++k) wmax = std::fmax(wmax, x[k]);
      double wsum = 0;
      for (int32_t k = 0; k < n; ++k) {
        x[k] = std::exp(x[k] - wmax);
        wsum += x[k];
      }
      for (int32_t k = 0; k < n; ++k) x[k] /= static_cast<float>(wsum);
      break;
    }
    case ir::Transform::Exp:
      for (int32_t k = 0; k < n; ++k) x[k] = std::exp(x[k]);
      break;
    case ir::Transform::HingeClass:
      for (int32_t k = 0; k < n; ++k) x[k] = x[k] > 0.0f ? 1.0f : 0.0f;
      break;
    case ir::Transform::ArgMaxClass:
      out[0] = first_arg_max(x, n);
      return;
    case ir::Transform::SignedSquare:
      for (int32_t k = 0; k < n; ++k) x[k] = std::fabs(x[k]) * x[k];
      break;
    case ir::Transform::Softplus:
      for (int32_t k = 0; k < n; ++k) x[k] = std::log1p(std::exp(x[k]));
      break;
    case ir::Transform::SigmoidPair: {
      const float p = 1.0f / (1.0f + std::exp(-x[0]));
      out[0] = 1.0f - p;
      out[1] = p;
      return;
    }
    case ir::Transform::NormalizedSigmoid: {
      float sum = 0;
      for (int32_t k = 0; k < n; ++k) {
        x[k] = 1.0f / (1.0f + std::exp(-x[k]));
        sum += x[k];
      }
      if (sum == 0) {  // every sigmoid underflowed: uniform, as scikit-learn's _predict_proba_lr
        for (int32_t k = 0; k < n; ++k) x[k] = 1.0f;
        sum = static_cast<float>(n);
      }
      for (int32_t k = 0; k < n; ++k) x[k] /= sum;
      break;
    }
    case ir::Transform::SoftmaxZero:
      onnx_softmax_zero(x, n);
      break;
    case ir::Transform::Probit:
      for (int32_t k = 0; k < n; ++k) x[k] = onnx_probit(x[k]);
      break;
    case ir::Transform::NegatedPair:
      out[0] = -x[0];
      out[1] = x[0];
      return;
    case ir::Transform::ComplementPair:
      out[0] = 1.0f - x[0];
      out[1] = x[0];
      return;
    case ir::Transform::SortAscending:
      insertion_sort(x, n);
      break;
    case ir::Transform::CumulativeSoftplus: {
      // ExpectileRegression::PredTransform: kRtEps + SoftPlus, added to a float running sum.
      float pred = x[0];
      for (int32_t k = 1; k < n; ++k) {
        pred += 1e-6f + xgboost_softplus(x[k]);
        x[k] = pred;
      }
      break;
    }
  }
  std::copy(x, x + n, out);
}

// LightGBM's and CatBoost's formulas, all in double: the sigmoid is
// 1 / (1 + exp(-alpha x)) without a clamp, softmax subtracts the maximum, and
// reg_sqrt's inverse is sign(x) * x * x, which is exactly |x| * x.
void transform_float64(const ir::OutputStage& stage, double* x, int32_t n, double* out) {
  switch (stage.transform) {
    case ir::Transform::Identity:
      break;
    case ir::Transform::Sigmoid:
      for (int32_t k = 0; k < n; ++k) x[k] = 1.0 / (1.0 + std::exp(-stage.sigmoid_alpha * x[k]));
      break;
    case ir::Transform::Softmax: {
      double wmax = *std::max_element(x, x + n);
      double wsum = 0;
      for (int32_t k = 0; k < n; ++k) {
        x[k] = std::exp(x[k] - wmax);
        wsum += x[k];
      }
      for (int32_t k = 0; k < n; ++k) x[k] /= wsum;
      break;
    }
    case ir::Transform::Exp:
      for (int32_t k = 0; k < n; ++k) x[k] = std::exp(x[k]);
      break;
    case ir::Transform::HingeClass:
      for (int32_t k = 0; k < n; ++k) x[k] = x[k] > 0.0 ? 1.0 : 0.0;
      break;
    case ir::Transform::ArgMaxClass:
      out[0] = first_arg_max(x, n);
      return;
    case ir::Transform::SignedSquare:
      for (int32_t k = 0; k < n; ++k) x[k] = std::fabs(x[k]) * x[k];
      break;
    case ir::Transform::Softplus:
      for (int32_t k = 0; k < n; ++k) x[k] = std::log1p(std::exp(x[k]));
      break;
    // scikit-learn: expit(d), then [1 - p, p] (binary) or p / p.sum() (one-vs-rest).
    case ir::Transform::SigmoidPair: {
      const double p = 1.0 / (1.0 + std::exp(-x[0]));
      out[0] = 1.0 - p;
      out[1] = p;
      return;
    }
    case ir::Transform::NormalizedSigmoid: {
      double sum = 0;
      for (int32_t k = 0; k < n; ++k) {
        x[k] = 1.0 / (1.0 + std::exp(-x[k]));
        sum += x[k];
      }
      if (sum == 0) {  // every sigmoid underflowed (margins below -745): uniform, as _predict_proba_lr
        for (int32_t k = 0; k < n; ++k) x[k] = 1.0;
        sum = n;
      }
      for (int32_t k = 0; k < n; ++k) x[k] /= sum;
      break;
    }
    // ONNX Runtime computes these in float32 whatever the sums' precision.
    case ir::Transform::SortAscending:
      insertion_sort(x, n);
      break;
    // XGBoost's objective, written for float32 only.
    case ir::Transform::SoftmaxZero:
    case ir::Transform::Probit:
    case ir::Transform::CumulativeSoftplus: {
      std::vector<float> f(x, x + n);
      transform_float32(stage, f.data(), n, out);
      return;
    }
    case ir::Transform::NegatedPair:
      out[0] = -x[0];
      out[1] = x[0];
      return;
    case ir::Transform::ComplementPair:
      out[0] = 1.0 - x[0];
      out[1] = x[0];
      return;
  }
  std::copy(x, x + n, out);
}

}  // namespace xylem::reference
