#include "tests/test_support.h"

#include <algorithm>
#include <filesystem>

#include "formats/json_value.h"
#include "formats/json_view.h"

namespace fs = std::filesystem;

namespace xylem::testing {

std::string models_dir() { return XYLEM_MODELS_DIR; }

const std::map<std::string, std::string>& unsupported_cases() {
  static const std::map<std::string, std::string> cases = [] {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(models_dir())) {
      if (entry.path().filename() != "xylem_unsupported.json") continue;
      const std::string text = read_file(entry.path().string());
      formats::JsonValue doc = formats::parse_json_text(text, entry.path().string());
      formats::JsonView root(doc, entry.path().string(), "");
      const formats::JsonValue* listed = doc.find("cases");
      if (!listed || listed->kind != formats::JsonValue::Kind::Object)
        throw Error(entry.path().string() + ": expected an object \"cases\"");
      for (const auto& [name, value] : listed->members)
        out[(entry.path().parent_path() / name).string()] = root["cases"][name].str();
    }
    return out;
  }();
  return cases;
}

namespace {
std::vector<ConformanceCase> scan_conformance_cases() {
  std::vector<ConformanceCase> cases;
  std::vector<fs::path> case_files;
  for (const auto& entry : fs::recursive_directory_iterator(models_dir()))
    if (entry.path().filename() == "case.json") case_files.push_back(entry.path());
  std::sort(case_files.begin(), case_files.end());
  for (const fs::path& file : case_files) {
    if (unsupported_cases().count(file.parent_path().string())) continue;
    const std::string text = read_file(file.string());
    formats::JsonValue doc = formats::parse_json_text(text, file.string());
    formats::JsonView c(doc, file.string(), "");
    const std::string dir = file.parent_path().string();
    const std::string input = dir + "/" + c["input"].str();
    ConformanceCase base;
    base.dir = dir;
    base.predict_kind = c["predict_kind"].str();
    // ONNX cases have no margin file (ONNX Runtime only gives the transformed outputs).
    base.expected.push_back({input, dir + "/" + c["predict"].str(), c.has("margin") ? dir + "/" + c["margin"].str() : ""});
    // One test case per model file: "<library>_<version>_<case>_<file>", usable as a test name.
    auto for_model = [&](ConformanceCase one, const std::string& model) {
      one.model_file = dir + "/" + model;
      one.name = c["library"].str() + "_" + c["library_version"].str() + "_" + c["case"].str() + "_" + model;
      for (char& ch : one.name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      cases.push_back(std::move(one));
    };
    if (c.has("extra")) {
      formats::JsonView e = c["extra"];
      base.expected.push_back({dir + "/" + e["input"].str(), dir + "/" + e["predict"].str(), dir + "/" + e["margin"].str()});
    }
    if (c.has("float32_input")) {
      formats::JsonView e = c["float32_input"];
      base.expected.push_back({input, dir + "/" + e["predict"].str(), dir + "/" + e["margin"].str(), true});
    }
    if (c.has("iterations")) {
      formats::JsonView e = c["iterations"];
      ConformanceCase::Expected x{input, dir + "/" + e["predict"].str(), dir + "/" + e["margin"].str()};
      x.num_iterations = static_cast<int>(e["num_iterations"].integer(1, 1 << 30));
      base.expected.push_back(x);
    }
    if (c.has("best_iteration") && c.has("predict_best")) {  // XGBoost: iteration_range=(0, best_iteration + 1)
      ConformanceCase::Expected x{input, dir + "/" + c["predict_best"].str(), ""};
      x.num_iterations = static_cast<int>(c["best_iteration"].integer(0, 1 << 30)) + 1;
      base.expected.push_back(x);
    }
    // A model saved with only its best iterations must predict what the full model
    // predicts with num_iterations (LightGBM's save_model default after early stopping).
    if (c.has("truncated_model")) {
      formats::JsonView t = c["truncated_model"];
      ConformanceCase one;
      one.dir = dir;
      one.predict_kind = base.predict_kind;
      one.expected.push_back({input, dir + "/" + t["predict"].str(), dir + "/" + t["margin"].str()});
      for_model(std::move(one), t["model"].str());
    }
    for (const std::string& model : c["models"].string_array()) for_model(base, model);
  }
  return cases;
}
}  // namespace

// Scanned once per process: ctest runs every test in a process of its own, and each one
// instantiates the suites that list the cases (parsing every case.json under models/).
std::vector<ConformanceCase> conformance_cases() {
  static const std::vector<ConformanceCase> cases = scan_conformance_cases();
  return cases;
}

std::vector<double> predict_csv(const Model& model, const std::string& input_path, bool margin) {
  return predict_expected(model, {input_path, "", ""}, margin);
}

std::vector<double> predict_expected(const Model& model, const ConformanceCase::Expected& e, bool margin) {
  CsvTable table = read_csv_file(e.input, model.label_columns());
  const std::vector<double> rows = model.rows_from_table(table);
  std::vector<double> out(table.rows * model.output_width(margin));
  PredictOptions options;
  options.margin = margin;
  options.num_iterations = e.num_iterations;
  if (e.float32_rows) {
    std::vector<float> narrow(rows.begin(), rows.end());
    model.predict(narrow.data(), table.rows, out.data(), options);
  } else {
    model.predict(rows.data(), table.rows, out.data(), options);
  }
  return out;
}

std::vector<EngineVariant> engine_variants() {
  std::vector<EngineVariant> variants = {{"reference", "auto", false}, {"tree_nodes", "auto", false}};
  for (const std::string& isa : cpu_isas()) {
    variants.push_back({"tree_array", isa, false});
    variants.push_back({"tree_array", isa, true});
    variants.push_back({"dense", isa, false});
  }
  return variants;
}

std::optional<Model> load_with(const std::string& model_file, const EngineVariant& variant) {
  LoadOptions options;
  options.engine = variant.engine;
  options.isa = variant.isa;
  options.quantize = variant.quantize;
  try {
    return Model::load(model_file, options);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.find("engine cannot run this model") != std::string::npos) return std::nullopt;
    throw;
  }
}

}  // namespace xylem::testing
