// The output transforms (margin -> prediction), each written in the precision and
// with the formula of the library it reproduces.
#pragma once

#include "engine/ir/model_ir.h"

namespace xylem::reference {

// margins: num_outputs values (modified in place); out: prediction_width values.
void transform_float32(const ir::OutputStage& stage, float* margins, int32_t num_outputs, double* out);
void transform_float64(const ir::OutputStage& stage, double* margins, int32_t num_outputs, double* out);

}  // namespace xylem::reference
