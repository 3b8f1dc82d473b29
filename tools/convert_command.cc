#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/commands.h"
#include "tools/format_option.h"

namespace xylem::cli {

void add_convert_options(CLI::App& app, ConvertArgs& args) {
  app.add_option("input", args.input, "Model file to convert (- for standard input)")->required();
  app.add_option("-o,--output", args.output, "xylem JSON file to write (- for standard output)")->required();
  add_from_option(app, args.from);
}

int run_convert(const ConvertArgs& args) {
  Model model = Model::load(args.input, load_options(args.from));
  model.save(args.output);
  if (args.output != "-") {
    ModelSummary s = model.summary();
    std::cerr << "converted " << s.source_library << " " << s.source_version << " " << s.objective << " model ("
              << s.num_trees << " trees, " << s.num_features << " features) to " << args.output << "\n";
  }
  return 0;
}

}  // namespace xylem::cli
