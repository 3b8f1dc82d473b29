// Picks the engine a model runs with, once, at load time: the one asked for, or with
// "auto" the fastest that can run the model (tree_array, then tree_nodes, then the
// reference predictor), with the best kernels this CPU has.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/compiled/engine.h"
#include "engine/reference/reference_predictor.h"

namespace xylem::engine {

struct EngineChoice {
  std::string engine = "auto";  // auto, reference, tree_nodes, tree_array
  std::string isa = "auto";     // auto, portable, avx2, avx512
  bool quantize = false;
};

// Throws xylem::Error naming the engine and what the model needs that it lacks.
std::unique_ptr<Engine> choose_engine(const reference::ReferencePredictor& reference, const EngineChoice& choice);

// The kernel instruction sets this CPU runs, "portable" first, best last.
std::vector<std::string> available_isas();

}  // namespace xylem::engine
