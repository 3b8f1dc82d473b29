// The --from option shared by the subcommands that read models.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "xylem/xylem.h"

namespace xylem::cli {

inline void add_from_option(CLI::App& app, std::string& from) {
  app.add_option("--from", from,
                 "Model format: auto (detected from the content), xylem, xgboost (JSON or UBJSON), lightgbm (text "
                 "model or dump_model JSON) or catboost (JSON)")
      ->check(CLI::IsMember({"auto", "xylem", "xgboost", "lightgbm", "catboost"}));
}

inline LoadOptions load_options(const std::string& from) {
  LoadOptions options;
  if (from == "xylem") options.format = ModelFormat::Xylem;
  else if (from == "xgboost") options.format = ModelFormat::XGBoost;
  else if (from == "lightgbm") options.format = ModelFormat::LightGBM;
  else if (from == "catboost") options.format = ModelFormat::CatBoost;
  else options.format = ModelFormat::Auto;
  return options;
}

}  // namespace xylem::cli
