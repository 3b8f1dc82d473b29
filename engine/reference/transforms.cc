#include "engine/reference/transforms.h"

#include <algorithm>
#include <cmath>

namespace xylem::reference {
namespace {

template <typename T>
int32_t first_arg_max(const T* x, int32_t n) {
  int32_t best = 0;
  for (int32_t k = 1; k < n; ++k)
    if (x[k] > x[best]) best = k;
  return best;
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
  }
  std::copy(x, x + n, out);
}

}  // namespace xylem::reference
