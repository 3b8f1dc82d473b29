// Preprocessing steps (scikit-learn's scalers, imputer, one-hot encoder, column
// selection; ONNX Runtime's Scaler and Normalizer): the one implementation, in float64 or
// in float32 as each step says, used by the reference predictor and by the compiled
// pipeline engine alike, since each step is a few IEEE operations per value whose
// result no reordering can change.
#pragma once

#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::reference {

// Applies one step to a row of step.inputs values, writing step_outputs(step) values
// (`in` and `out` must not overlap).
void apply_step(const ir::Step& step, const double* in, double* out);

// Runs a row of input_width(model) values through all steps into `out`
// (model.num_features values); `scratch` is reused between calls.
void apply_steps(const std::vector<ir::Step>& steps, const double* row, double* out, std::vector<double>& scratch);

// The widest row any step reads or writes (the scratch size apply_steps needs).
size_t widest_step(const std::vector<ir::Step>& steps);

}  // namespace xylem::reference
