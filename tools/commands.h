// The subcommands of the `xylem` CLI, one file each.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace xylem::cli {

struct ConvertArgs {
  std::string input, output, from = "auto";
};
void add_convert_options(CLI::App& app, ConvertArgs& args);
int run_convert(const ConvertArgs& args);

struct PredictArgs {
  std::string model, input, output = "-", from = "auto";
  bool margin = false, timing = false;
  int threads = 1, num_iterations = 0;
};
void add_predict_options(CLI::App& app, PredictArgs& args);
int run_predict(const PredictArgs& args);

struct InspectArgs {
  std::string model, from = "auto";
  bool json = false;
};
void add_inspect_options(CLI::App& app, InspectArgs& args);
int run_inspect(const InspectArgs& args);

}  // namespace xylem::cli
