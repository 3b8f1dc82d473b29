// The inside of xylem::Model, shared by the files of engine/api.
#pragma once

#include "engine/reference/reference_predictor.h"
#include "xylem/xylem.h"

namespace xylem {

struct Model::Impl {
  explicit Impl(ir::Model model) : predictor(std::move(model)) {}
  const ir::Model& ir() const { return predictor.model(); }
  reference::ReferencePredictor predictor;
};

}  // namespace xylem
