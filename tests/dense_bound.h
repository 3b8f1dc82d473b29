// The rounding-error bound the dense engine is held to (instead of bits): the
// first-order bound of a forward pass summed in any order (Higham, "Accuracy and
// Stability of Numerical Algorithms", 3.1). A dot product of k terms plus a bias is
// off by at most gamma_{k+1} * (|b| + sum |a_i w_i|), gamma_n = n u / (1 - n u); an
// error E_i on the inputs adds sum |w_i| E_i; an activation with Lipschitz constant L
// maps an error E to L E plus its own rounding (c ulp: the vectorised float32
// functions are within 3.6 ulp of exact, libm's double ones within 1; c is 8 and 2).
// Two evaluations in different orders (xylem's and the reference's, or xylem's and
// scikit-learn's BLAS) are each within the bound of the exact result, so they differ
// by at most twice it; callers double that again for the second-order terms.
#pragma once

#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::testing {

struct DenseBound {
  std::vector<double> margins;      // per output: bound on |computed - exact| margin
  std::vector<double> predictions;  // per prediction column, after the output transform
};

// For one row of the model's inputs (before its preprocessing steps, which are exact
// and shared). The model is a network or a linear model without trees.
DenseBound dense_bound(const ir::Model& model, const double* row);

// Whether the dense bound applies: networks, and linear models without trees that
// the dense engine runs (not gblinear, which sums in feature order on the reference).
bool has_dense_bound(const ir::Model& model);

}  // namespace xylem::testing
