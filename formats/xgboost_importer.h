// XGBoost model import (the JSON and UBJSON documents of Booster.save_model, versions
// 1.7 to 3.x) into the IR. Semantics: ../shared/reference/formats.md section 1.
#pragma once

#include <string>

#include "engine/ir/model_ir.h"
#include "formats/json_value.h"

namespace xylem::formats {

// True when the document looks like an XGBoost model (has "learner").
bool is_xgboost_document(const JsonValue& document);

// `file` names the source in error messages; `container` is "json" or "ubjson".
ir::Model import_xgboost(const JsonValue& document, const std::string& file, const std::string& container);

}  // namespace xylem::formats
