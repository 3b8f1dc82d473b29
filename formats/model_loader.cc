#include "formats/model_loader.h"

#include "engine/ir/validate.h"
#include "formats/catboost_importer.h"
#include "formats/json_value.h"
#include "formats/lightgbm_importer.h"
#include "formats/onnx_importer.h"
#include "formats/xgboost_importer.h"
#include "formats/xylem_json.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

constexpr const char* kSupported =
    "xylem JSON, XGBoost JSON/UBJSON, LightGBM text or dump_model JSON, CatBoost JSON, ONNX";

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
  // CatBoost's default save_model() format: "CBM1", a length, then a flatbuffers model.
  if (bytes.substr(0, 4) == "CBM1")
    throw Error(name + ": a CatBoost binary model (.cbm), which xylem does not read; save it as JSON instead: "
                       "model.save_model(\"model.json\", format=\"json\")");
  if (bytes[start] != '{')
    throw Error(name + ": not a model file xylem can read (expected a JSON or UBJSON object, a LightGBM text model or an ONNX protobuf; "
                       "supported formats: " + kSupported + ")");
  return {parse_json_text(bytes, name), "json"};
}

ModelFormat detect_document(const JsonValue& document) {
  if (is_xylem_document(document)) return ModelFormat::Xylem;
  if (is_xgboost_document(document)) return ModelFormat::XGBoost;
  if (is_lightgbm_json(document)) return ModelFormat::LightGBM;
  if (is_catboost_document(document)) return ModelFormat::CatBoost;
  return ModelFormat::Auto;
}

}  // namespace

std::string detect_model_format(std::string_view bytes) {
  if (is_lightgbm_text(bytes)) return "lightgbm";
  if (is_onnx(bytes)) return "onnx";
  try {
    switch (detect_document(parse(bytes, "").document)) {
      case ModelFormat::Xylem: return "xylem";
      case ModelFormat::XGBoost: return "xgboost";
      case ModelFormat::LightGBM: return "lightgbm";
      case ModelFormat::CatBoost: return "catboost";
      case ModelFormat::Onnx:
      case ModelFormat::Auto: break;
    }
  } catch (const Error&) {
  }
  return "";
}

ir::Model load_model_ir(std::string_view bytes, const std::string& name, ModelFormat format) {
  ir::Model model;
  if ((format == ModelFormat::Auto || format == ModelFormat::LightGBM) && is_lightgbm_text(bytes)) {
    model = import_lightgbm_text(bytes, name);
  } else if (format == ModelFormat::Onnx || (format == ModelFormat::Auto && is_onnx(bytes))) {
    model = import_onnx(bytes, name);
  } else {
    Parsed p = parse(bytes, name);
    if (format == ModelFormat::Auto) {
      format = detect_document(p.document);
      if (format == ModelFormat::Auto)
        throw Error(name + ": unrecognised model: a JSON object that is none of a xylem model (\"format\": \"xylem\"), "
                           "an XGBoost model (\"learner\"), a LightGBM dump_model() (\"name\": \"tree\", \"tree_info\") "
                           "or a CatBoost model (\"features_info\" and \"oblivious_trees\" or \"trees\")");
    }
    switch (format) {
      case ModelFormat::Xylem:
        if (p.container != "json") throw Error(name + ": xylem models are JSON text, this file is UBJSON");
        return read_xylem_json(p.document, name);  // validates itself, with xylem paths
      case ModelFormat::XGBoost:
        model = import_xgboost(p.document, name, p.container);
        break;
      case ModelFormat::LightGBM:
        if (!is_lightgbm_json(p.document))
          throw Error(name + ": not a LightGBM model (expected a text model starting with \"tree\" or dump_model() JSON "
                             "with \"name\": \"tree\" and \"tree_info\")");
        model = import_lightgbm_json(p.document, name);
        break;
      case ModelFormat::CatBoost:
        model = import_catboost(p.document, name);
        break;
      case ModelFormat::Auto:
      case ModelFormat::Onnx:
        break;
    }
  }
  // Importers check the structure with their library's paths; this is the safety
  // net that no importer can skip.
  ir::validate(model, name);
  return model;
}

}  // namespace xylem::formats
