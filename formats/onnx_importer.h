// ONNX import into the IR: the graphs skl2onnx, onnxmltools and torch.onnx.export write
// for classical models (preprocessing operators, one estimator, output operators),
// with ONNX Runtime's semantics. Anything else is refused naming its operator and node.
#pragma once

#include <string>
#include <string_view>

#include "engine/ir/model_ir.h"

namespace xylem::formats {

// True when the bytes look like an ONNX protobuf (ModelProto starting with ir_version).
bool is_onnx(std::string_view bytes);

// `file` names the source in error messages.
ir::Model import_onnx(std::string_view bytes, const std::string& file);

}  // namespace xylem::formats
