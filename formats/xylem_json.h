// xylem's own model format (docs/format.md, docs/xylem-model.schema.json):
// a readable JSON mirror of the IR. Writing then reading gives the same IR, so
// predictions are bit-identical.
#pragma once

#include <string>

#include "engine/ir/model_ir.h"
#include "formats/json_value.h"

namespace xylem::formats {

// The version this build writes; it reads every version from 1 to this one.
inline constexpr int kXylemFormatVersion = 4;

bool is_xylem_document(const JsonValue& document);

// Reads and validates; errors name `file` and the JSON path.
ir::Model read_xylem_json(const JsonValue& document, const std::string& file);

std::string write_xylem_json(const ir::Model& model);

}  // namespace xylem::formats
