// The --from option shared by the subcommands that read models.
#pragma once

#include <string>

#include "xylem/xylem.h"

namespace xylem::cli {

inline const char* kFromHelp = "Model format: auto (detected from the content), xylem or xgboost";

inline LoadOptions load_options(const std::string& from) {
  LoadOptions options;
  if (from == "xylem") options.format = ModelFormat::Xylem;
  else if (from == "xgboost") options.format = ModelFormat::XGBoost;
  else options.format = ModelFormat::Auto;
  return options;
}

}  // namespace xylem::cli
