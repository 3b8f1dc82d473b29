// Turns model file bytes into the IR: detects the container (JSON text or UBJSON)
// and the format (xylem or XGBoost), and runs the matching reader.
#pragma once

#include <string>
#include <string_view>

#include "engine/ir/model_ir.h"

namespace xylem::formats {

enum class ModelFormat { Auto, Xylem, XGBoost, LightGBM, CatBoost, Onnx };

// Throws xylem::Error naming `name` on anything it cannot read.
ir::Model load_model_ir(std::string_view bytes, const std::string& name, ModelFormat format);

// "xylem", "xgboost", "lightgbm", "catboost", "onnx", or "" when the bytes are none of them.
std::string detect_model_format(std::string_view bytes);

}  // namespace xylem::formats
