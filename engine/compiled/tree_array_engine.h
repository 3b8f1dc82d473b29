// The tree_array engine: trees padded to complete trees and stored as arrays
// (kernels/tree_array_kernels.h), walked branch-free by SIMD or portable kernels;
// trees too deep or unbalanced to pad are walked in lock step from compact nodes.
// It runs numeric splits only.
#pragma once

#include <memory>
#include <string>

#include "engine/compiled/engine.h"
#include "engine/ir/model_ir.h"
#include "kernels/tree_array_kernels.h"

namespace xylem::compiled {

// Trees deeper than this are never padded.
inline constexpr int32_t kMaxArrayDepth = 12;
// A tree of depth at most kMaxArrayDepth is padded into a complete array when 2^depth
// is at most this many times its leaf count; others are walked. Padding costs memory
// (a padded leaf is copied over its subtree) but runs the fastest kernels: on a
// 700-tree depth-10 XGBoost model (many trees 5 to 26 times sparser than complete),
// raising the limit from 4 to 32 made batch 10000 1.6x faster, with no gain past 32.
inline constexpr size_t kMaxPadding = 32;

// The engine, or nullptr with `why_not` saying what the model needs that it lacks.
std::unique_ptr<engine::Engine> make_tree_array_engine(const ir::Model& model, const kernels::ArrayKernelTable& kernels,
                                                       bool quantize, std::string* why_not);

}  // namespace xylem::compiled
