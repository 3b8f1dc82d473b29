// The `xylem` command: convert, predict, inspect, bench. Uses only the public API.
#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/commands.h"
#include "xylem/xylem.h"

int main(int argc, char** argv) {
  CLI::App app{"xylem: fast, exact inference for tree ensembles and linear models"};
  app.set_version_flag("--version", std::string("xylem ") + xylem::version());
  app.require_subcommand(1);

  xylem::cli::ConvertArgs convert;
  CLI::App* convert_cmd = app.add_subcommand("convert", "Convert a model (XGBoost JSON/UBJSON, LightGBM text or dump_model JSON, CatBoost JSON, xylem JSON) to xylem JSON");
  xylem::cli::add_convert_options(*convert_cmd, convert);

  xylem::cli::PredictArgs predict;
  CLI::App* predict_cmd = app.add_subcommand("predict", "Predict the rows of a CSV file");
  xylem::cli::add_predict_options(*predict_cmd, predict);

  xylem::cli::InspectArgs inspect;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Describe a model");
  xylem::cli::add_inspect_options(*inspect_cmd, inspect);

  xylem::cli::BenchArgs bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "Time prediction on the rows of a CSV file, per batch size");
  xylem::cli::add_bench_options(*bench_cmd, bench);

  for (CLI::App* sub : {convert_cmd, predict_cmd, inspect_cmd, bench_cmd})
    sub->set_version_flag("--version", std::string("xylem ") + xylem::version());

  CLI11_PARSE(app, argc, argv);
  try {
    if (*convert_cmd) return xylem::cli::run_convert(convert);
    if (*predict_cmd) return xylem::cli::run_predict(predict);
    if (*inspect_cmd) return xylem::cli::run_inspect(inspect);
    if (*bench_cmd) return xylem::cli::run_bench(bench);
  } catch (const xylem::Error& e) {
    std::cerr << "xylem: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "xylem: error: out of memory\n";
    return 1;
  }
  return 0;
}
