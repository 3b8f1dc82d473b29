// The tree_nodes engine: any tree model the compiled engines support, including
// categorical splits, deep or unbalanced trees and per-node zero-as-missing rules.
// Nodes are compact (12 bytes for float thresholds, 16 for double) in depth-first
// order with the left child next, so a walk reads memory forward; the node's flags
// route NaN, categories and zero-as-missing off the common path.
#pragma once

#include <memory>
#include <string>

#include "engine/compiled/engine.h"
#include "engine/ir/model_ir.h"

namespace xylem::compiled {

// The engine, or nullptr with `why_not` saying what the model needs that it lacks.
std::unique_ptr<engine::Engine> make_tree_nodes_engine(const ir::Model& model, std::string* why_not);

}  // namespace xylem::compiled
