#include "formats/model_loader.h"

#include "engine/ir/validate.h"
#include "formats/json_value.h"
#include "formats/xgboost_importer.h"
#include "formats/xylem_json.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

// UBJSON documents start with '{' followed by a key length marker; JSON text has
// whitespace or a quote there.
bool looks_like_ubjson(std::string_view bytes) {
  if (bytes.size() < 2 || bytes[0] != '{') return false;
  char c = bytes[1];
  return c == 'i' || c == 'U' || c == 'I' || c == 'l' || c == 'L';
}

struct Parsed {
  JsonValue document;
  std::string container;
};

Parsed parse(std::string_view bytes, const std::string& name) {
  size_t start = bytes.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) throw Error(name + ": the file is empty");
  if (looks_like_ubjson(bytes)) return {parse_ubjson(bytes, name), "ubjson"};
  if (bytes[start] != '{')
    throw Error(name + ": not a model file xylem can read (expected a JSON or UBJSON object; supported formats: "
                       "xylem JSON, XGBoost JSON/UBJSON)");
  return {parse_json_text(bytes, name), "json"};
}

}  // namespace

std::string detect_model_format(std::string_view bytes) {
  try {
    Parsed p = parse(bytes, "");
    if (is_xylem_document(p.document)) return "xylem";
    if (is_xgboost_document(p.document)) return "xgboost";
  } catch (const Error&) {
  }
  return "";
}

ir::Model load_model_ir(std::string_view bytes, const std::string& name, ModelFormat format) {
  Parsed p = parse(bytes, name);
  if (format == ModelFormat::Auto) {
    if (is_xylem_document(p.document)) format = ModelFormat::Xylem;
    else if (is_xgboost_document(p.document)) format = ModelFormat::XGBoost;
    else
      throw Error(name + ": unrecognised model: a JSON object that is neither a xylem model (\"format\": \"xylem\") "
                         "nor an XGBoost model (\"learner\")");
  }
  if (format == ModelFormat::Xylem) {
    if (p.container != "json") throw Error(name + ": xylem models are JSON text, this file is UBJSON");
    return read_xylem_json(p.document, name);
  }
  ir::Model model = import_xgboost(p.document, name, p.container);
  // The importer checks the XGBoost structure with XGBoost's paths; this is the
  // safety net that no importer can skip.
  ir::validate(model, name);
  return model;
}

}  // namespace xylem::formats
