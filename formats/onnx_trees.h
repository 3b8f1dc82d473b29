// ONNX tree ensembles (ai.onnx.ml TreeEnsembleRegressor, TreeEnsembleClassifier,
// TreeEnsemble) -> IR: see onnx_trees.cc for the semantics.
#pragma once

#include <string>
#include <vector>

#include "engine/ir/model_ir.h"
#include "formats/onnx_graph.h"

namespace xylem::formats::onnx_io {

struct TreeImport {
  std::vector<std::string> labels;  // classifiers: class labels as text (int64 or string labels)
};

// Fills m's trees, num_features (= width), num_outputs, task and output stage from the
// node. `opset5`: the node is ai.onnx.ml TreeEnsemble.
TreeImport import_tree_ensemble(const Node& node, int32_t width, ir::Precision input_precision, bool opset5, ir::Model& m);

}  // namespace xylem::formats::onnx_io
