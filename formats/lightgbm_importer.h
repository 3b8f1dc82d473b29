// LightGBM model import into the IR: the text model of Booster.save_model and the
// JSON of Booster.dump_model(). Semantics: ../shared/reference/formats.md section 2.
#pragma once

#include <string>
#include <string_view>

#include "engine/ir/model_ir.h"
#include "formats/json_value.h"

namespace xylem::formats {

// True when the bytes start like a LightGBM text model (a first line "tree").
bool is_lightgbm_text(std::string_view bytes);
// True when the document looks like dump_model() output ("name": "tree", "tree_info").
bool is_lightgbm_json(const JsonValue& document);

// `file` names the source in error messages.
ir::Model import_lightgbm_text(std::string_view bytes, const std::string& file);
ir::Model import_lightgbm_json(const JsonValue& document, const std::string& file);

}  // namespace xylem::formats
