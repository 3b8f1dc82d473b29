// The inside of xylem::Model, shared by the files of engine/api: the IR (held by the
// reference predictor, the oracle) and the engine chosen for it at load time.
#pragma once

#include <memory>

#include "engine/compiled/engine.h"
#include "engine/compiled/engine_factory.h"
#include "engine/reference/reference_predictor.h"
#include "xylem/xylem.h"

namespace xylem {

struct Model::Impl {
  Impl(ir::Model model, const engine::EngineChoice& choice)
      : predictor(std::move(model)), engine(engine::choose_engine(predictor, choice)) {}
  const ir::Model& ir() const { return predictor.model(); }
  reference::ReferencePredictor predictor;
  std::unique_ptr<engine::Engine> engine;
};

}  // namespace xylem
