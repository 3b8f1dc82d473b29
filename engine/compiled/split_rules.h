// What the compiled engines do to each split of the IR before laying it out: every
// numeric split becomes "left when x <= t" in the comparison type T, with the side a
// NaN takes fixed per node, and the per-node missing rules move into input
// preparation (see input_plan.h). Also what a model needs that an engine may lack.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::compiled {

// The largest T that is <= t (or < t when `strict`), so that for every non-NaN x of
// type T, (x <= result) == (strict ? x < t : x <= t). NaN when no T qualifies
// (x < -inf): a NaN threshold sends every value right.
template <typename T>
T largest_at_most(double t, bool strict);

// Whether a NaN input goes left at a numeric node (after zero-as-missing inputs were
// made NaN): NanToDefault and ZeroAndNanToDefault follow default_left; NanAsZero goes
// where 0.0 goes.
bool nan_goes_left(const ir::Tree& tree, int32_t node);

// Per feature: 1 when every numeric split on it uses ZeroAndNanToDefault (so inputs
// with |x| <= 1e-35 can become NaN before the trees).
std::vector<uint8_t> zero_is_missing_features(const ir::Model& model);

// Why the compiled engines cannot run the model, or "" when they can. `categorical`
// says whether the engine has categorical splits.
std::string unsupported_by_compiled(const ir::Model& model, bool categorical);

// Depth of a tree (0 for a single leaf).
int32_t tree_depth(const ir::Tree& tree);

// Leaf value folded with the tree's DART weight, in the accumulation type, as the
// reference predictor multiplies it at run time.
template <typename Acc>
Acc folded_leaf(const ir::Tree& tree, double value) {
  const Acc v = static_cast<Acc>(value);
  return tree.weight == 1.0 ? v : v * static_cast<Acc>(tree.weight);
}

}  // namespace xylem::compiled
