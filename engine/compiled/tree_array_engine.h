// The tree_array engine: every tree padded to a complete tree and stored as arrays
// (kernels/tree_array_kernels.h), walked branch-free by SIMD or portable kernels.
// It runs numeric splits only, trees up to depth kMaxArrayDepth.
#pragma once

#include <memory>
#include <string>

#include "engine/compiled/engine.h"
#include "engine/ir/model_ir.h"
#include "kernels/tree_array_kernels.h"

namespace xylem::compiled {

inline constexpr int32_t kMaxArrayDepth = 12;

// The engine, or nullptr with `why_not` saying what the model needs that it lacks.
std::unique_ptr<engine::Engine> make_tree_array_engine(const ir::Model& model, const kernels::ArrayKernelTable& kernels,
                                                       bool quantize, std::string* why_not);

}  // namespace xylem::compiled
