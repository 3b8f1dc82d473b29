// Helpers shared by the tests: the conformance cases under models/ and file I/O.
#pragma once

#include <ostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xylem/xylem.h"

namespace xylem::testing {

struct ConformanceCase {
  std::string name;        // "<library>_<version>_<case>_<model file>", usable as a test name
  std::string dir;         // the case directory
  std::string model_file;  // model.json or model.ubj
  std::string predict_kind;  // "float" or "class_index"
  struct Expected {
    std::string input, predict, margin;  // predict or margin may be empty (not recorded)
    bool float32_rows = false;           // predict from the input rounded to float32, through the float API
    int num_iterations = 0;              // use only this many boosting iterations (0: all)
  };
  std::vector<Expected> expected;  // the main rows, then extra rows, float32 rows, truncated models
};

// gtest prints parameters of failing tests; the name is what identifies a case.
inline void PrintTo(const ConformanceCase& c, std::ostream* os) { *os << c.name; }

// Every case of every library under models/ (one entry per model file).
std::vector<ConformanceCase> conformance_cases();
// Fixture directories xylem refuses on purpose (models/**/xylem_unsupported.json) -> the
// text their load error must contain; conformance_cases() leaves them out.
const std::map<std::string, std::string>& unsupported_cases();

// Predicts every row of `input` (columns matched as the CLI matches them).
std::vector<double> predict_csv(const Model& model, const std::string& input_path, bool margin);
// The same with the options of one expectation (float32 rows, iteration count).
std::vector<double> predict_expected(const Model& model, const ConformanceCase::Expected& e, bool margin);

std::string models_dir();

// One engine configuration to test: every engine on every instruction set this CPU
// runs, quantized or not (engine_variants() lists them all, the reference first).
struct EngineVariant {
  std::string engine, isa;
  bool quantize = false;
};
std::vector<EngineVariant> engine_variants();
// The model loaded with that engine, or nullopt when the engine reports that it
// cannot run the model (any other error fails the test).
std::optional<Model> load_with(const std::string& model_file, const EngineVariant& variant);

}  // namespace xylem::testing
