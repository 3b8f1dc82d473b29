// The model-loading options shared by the subcommands that read models:
// --from (the file format) and, for those that predict, --engine, --isa, --quantize.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "xylem/xylem.h"

namespace xylem::cli {

struct LoadArgs {
  std::string from = "auto";
  std::string engine = "auto";
  std::string isa = "auto";
  bool quantize = false;
};

inline void add_from_option(CLI::App& app, std::string& from) {
  app.add_option("--from", from,
                 "Model format: auto (detected from the content), xylem, xgboost (JSON or UBJSON), lightgbm (text "
                 "model or dump_model JSON), catboost (JSON) or onnx (ONNX protobuf)")
      ->check(CLI::IsMember({"auto", "xylem", "xgboost", "lightgbm", "catboost", "onnx"}));
}

// --engine, --isa and --quantize, for the subcommands that predict.
inline void add_engine_options(CLI::App& app, LoadArgs& args) {
  app.add_option("--engine", args.engine,
                 "Prediction engine: auto (the fastest that runs the model), reference (the plain oracle), "
                 "tree_nodes (compact nodes, any tree model), tree_array (branch-free complete trees) or dense "
                 "(networks and linear models: BLAS and SIMD kernels)")
      ->check(CLI::IsMember({"auto", "reference", "tree_nodes", "tree_array", "dense"}));
  app.add_option("--isa", args.isa, "Kernel instruction set: auto (the best this CPU has), portable, avx2, avx512")
      ->check(CLI::IsMember({"auto", "portable", "avx2", "avx512"}));
  app.add_flag("--quantize", args.quantize,
               "Compare integer ranks of the thresholds instead of floats (exact: same predictions)");
}

inline LoadOptions load_options(const std::string& from) {
  LoadOptions options;
  if (from == "xylem") options.format = ModelFormat::Xylem;
  else if (from == "xgboost") options.format = ModelFormat::XGBoost;
  else if (from == "lightgbm") options.format = ModelFormat::LightGBM;
  else if (from == "catboost") options.format = ModelFormat::CatBoost;
  else if (from == "onnx") options.format = ModelFormat::Onnx;
  else options.format = ModelFormat::Auto;
  return options;
}

inline LoadOptions load_options(const LoadArgs& args) {
  LoadOptions options = load_options(args.from);
  options.engine = args.engine;
  options.isa = args.isa;
  options.quantize = args.quantize;
  return options;
}

}  // namespace xylem::cli
