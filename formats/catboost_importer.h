// CatBoost model import into the IR: the JSON of save_model(format="json").
// Semantics: ../shared/reference/formats.md section 3 and docs/format.md.
#pragma once

#include <string>

#include "engine/ir/model_ir.h"
#include "formats/json_value.h"

namespace xylem::formats {

// True when the document looks like a CatBoost JSON model ("features_info" and trees).
bool is_catboost_document(const JsonValue& document);

// `file` names the source in error messages.
ir::Model import_catboost(const JsonValue& document, const std::string& file);

}  // namespace xylem::formats
