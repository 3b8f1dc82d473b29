// Structural checks every IR passes before a predictor sees it: indices in range,
// each tree a proper tree (acyclic, every node reachable exactly once), array lengths
// consistent, float32 thresholds really float32. Errors name the offending element
// with the xylem JSON path, e.g. "trees[3].left_children[17]: child 900 out of range
// (tree has 63 nodes)", prefixed by `where` (usually the file name).
#pragma once

#include <string>

#include "engine/ir/model_ir.h"

namespace xylem::ir {

void validate(const Model& model, const std::string& where);

}  // namespace xylem::ir
