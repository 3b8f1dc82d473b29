#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "tools/commands.h"
#include "tools/format_option.h"

namespace xylem::cli {

void add_convert_options(CLI::App& app, ConvertArgs& args) {
  app.add_option("input", args.input, "Model file to convert (- for standard input)")->required();
  app.add_option("-o,--output", args.output, "xylem JSON file to write (- for standard output)")->required();
  add_from_option(app, args.from);
  app.add_option("--quantize", args.quantize,
                 "int8: store the dense layers (MLP, linear model) as per-output-channel int8 weights")
      ->check(CLI::IsMember({"int8"}));
  app.add_option("--calibration", args.calibration,
                 "CSV rows (header = feature names) on which --quantize int8 measures its accuracy cost and its "
                 "static input scales");
  app.add_option("--int8-inputs", args.int8_inputs,
                 "How int8 layers scale their inputs: dynamic (each row by its own largest value; the default) or "
                 "static (one scale per layer: the 99.99th percentile of |input| on the --calibration rows)")
      ->check(CLI::IsMember({"dynamic", "static"}));
}

namespace {

void print_int8_report(const Int8Report& r, bool static_scales) {
  std::fprintf(stderr, "int8: %d dense layers, weights %zu -> %zu bytes, %s input scales\n", r.layers, r.float_bytes,
               r.int8_bytes, static_scales ? "static" : "dynamic");
  if (r.rows == 0) {
    std::fprintf(stderr, "int8: accuracy cost not measured (give --calibration ROWS.csv)\n");
    return;
  }
  std::fprintf(stderr, "int8: on %zu calibration rows, against the float model: max |error| %.3g, mean |error| %.3g",
               r.rows, r.max_abs_error, r.mean_abs_error);
  if (r.same_class_share >= 0) std::fprintf(stderr, ", predicted class unchanged on %.2f%% of rows", 100 * r.same_class_share);
  std::fprintf(stderr, "\n");
}

}  // namespace

int run_convert(const ConvertArgs& args) {
  Model model = Model::load(args.input, load_options(args.from));
  if (args.quantize.empty() && (!args.calibration.empty() || args.int8_inputs != "dynamic"))
    throw Error("--calibration and --int8-inputs go with --quantize int8");
  if (args.quantize == "int8") {
    std::vector<double> rows;
    size_t n_rows = 0;
    if (!args.calibration.empty()) {
      CsvTable table = read_csv_file(args.calibration, model.label_columns());
      rows = model.rows_from_table(table);
      n_rows = table.rows;
      if (n_rows == 0) throw Error(args.calibration + ": no calibration rows");
    }
    Int8Options options;
    options.static_input_scales = args.int8_inputs == "static";
    if (options.static_input_scales && n_rows == 0) throw Error("--int8-inputs static needs --calibration ROWS.csv");
    Int8Report report;
    model = model.quantize_int8(rows.data(), n_rows, options, &report);
    print_int8_report(report, options.static_input_scales);
  }
  model.save(args.output);
  if (args.output != "-") {
    ModelSummary s = model.summary();
    const std::string what = !s.layers.empty() ? std::to_string(s.layers.size()) + " dense layers"
                             : s.num_trees || !s.has_linear ? std::to_string(s.num_trees) + " trees"
                                                            : std::string("linear");
    std::cerr << "converted " << s.source_library << " " << s.source_version << " " << s.objective << " model (" << what
              << ", " << s.num_inputs << " features) to " << args.output << "\n";
  }
  return 0;
}

}  // namespace xylem::cli
