#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/commands.h"
#include "tools/format_option.h"

namespace xylem::cli {
namespace {

std::string join(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

nlohmann::json to_json(const ModelSummary& s) {
  return {{"source", {{"library", s.source_library}, {"version", s.source_version}, {"format", s.source_format},
                      {"objective", s.objective}, {"booster", s.booster}, {"best_iteration", s.best_iteration}}},
          {"task", s.task},
          {"features", {{"count", s.num_features}, {"names", s.feature_names}, {"types", s.feature_types}}},
          {"outputs", {{"margin_width", s.num_outputs}, {"prediction_width", s.output_width}, {"names", s.output_names}, {"class_labels", s.class_labels},
                       {"transform", s.transform}, {"precision", s.output_precision}, {"base_scores", s.base_scores}}},
          {"trees", {{"count", s.num_trees}, {"nodes", s.num_nodes}, {"leaves", s.num_leaves},
                     {"categorical_splits", s.num_categorical_splits}, {"max_depth", s.max_depth},
                     {"mean_leaf_depth", s.mean_leaf_depth}, {"linear_leaves", s.num_linear_leaves},
                     {"iterations", s.num_iterations}, {"trees_per_iteration", s.trees_per_iteration}}},
          {"rules", {{"input_precision", s.input_precision}, {"threshold_precision", s.threshold_precision},
                     {"splits_less", s.splits_less}, {"splits_less_equal", s.splits_less_equal},
                     {"missing_to_default", s.missing_to_default}, {"missing_as_zero", s.missing_as_zero},
                     {"missing_zero_to_default", s.missing_zero_to_default},
                     {"base_scores_first", s.base_scores_first}, {"scale", s.scale}}},
          {"category_labels", s.category_labels},
          {"unknown_category_label", s.unknown_category_label_is_error ? "error" : "missing"},
          {"linear", s.has_linear},
          {"preprocessing", {{"inputs", s.num_inputs}, {"input_names", s.input_names}, {"steps", s.steps}}},
          {"network", {{"precision", s.network_precision}, {"layers", s.layers}, {"int8_layers", s.int8_layers}}}};
}

void print_table(const ModelSummary& s, const std::string& engine, size_t memory_bytes) {
  auto row = [](const char* key, const std::string& value) { std::printf("%-20s %s\n", key, value.c_str()); };
  row("source", s.source_library + " " + s.source_version + " (" + s.source_format + ")");
  row("objective", s.objective + (s.booster.empty() ? "" : " (booster " + s.booster + ")"));
  row("task", s.task);
  if (!s.class_labels.empty()) row("class labels", join(s.class_labels, 12));
  if (!s.steps.empty()) {
    row("inputs", std::to_string(s.num_inputs) + (s.input_names.empty() ? "" : " (" + join(s.input_names, 12) + ")"));
    for (const std::string& step : s.steps) row("preprocessing", step);
  }
  size_t categorical = std::count(s.feature_types.begin(), s.feature_types.end(), "categorical");
  row("features", std::to_string(s.num_features) + (categorical ? " (" + std::to_string(categorical) + " categorical)" : ""));
  if (!s.feature_names.empty()) row("feature names", join(s.feature_names, 12));
  for (size_t f = 0; f < s.category_labels.size(); ++f)
    if (!s.category_labels[f].empty())
      row("category labels", s.feature_names[f] + ": " + join(s.category_labels[f], 6) + (s.unknown_category_label_is_error ? " (CSV text, unknown = error)" : " (CSV text, unknown = missing)"));
  row("outputs", std::to_string(s.output_width) + " (" + join(s.output_names, 8) + "), margin width " +
                     std::to_string(s.num_outputs));
  row("transform", s.transform + " in " + s.output_precision);
  std::vector<std::string> base;
  for (double b : s.base_scores) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", b);
    base.push_back(buf);
  }
  row(s.base_scores_first ? "base scores (margin)" : "bias (added last)", join(base, 8));
  if (s.scale != 1.0) {
    char scale[32];
    std::snprintf(scale, sizeof scale, "%.17g", s.scale);
    row("scale", scale);
  }
  if (s.num_trees) {
    row("trees", std::to_string(s.num_trees) + " (" + std::to_string(s.num_iterations) + " iterations of " +
                     std::to_string(s.trees_per_iteration) + ")");
    row("nodes", std::to_string(s.num_nodes) + " (" + std::to_string(s.num_leaves) + " leaves, " +
                     std::to_string(s.num_categorical_splits) + " categorical splits)");
    if (s.num_linear_leaves) row("linear leaves", std::to_string(s.num_linear_leaves));
    std::vector<std::string> cmp;
    if (s.splits_less) cmp.push_back(std::to_string(s.splits_less) + " x < t");
    if (s.splits_less_equal) cmp.push_back(std::to_string(s.splits_less_equal) + " x <= t");
    row("numeric splits", join(cmp, 2) + " (inputs " + s.input_precision + ", thresholds " + s.threshold_precision + ")");
    std::vector<std::string> missing;
    if (s.missing_to_default) missing.push_back(std::to_string(s.missing_to_default) + " NaN to the default side");
    if (s.missing_as_zero) missing.push_back(std::to_string(s.missing_as_zero) + " NaN as 0");
    if (s.missing_zero_to_default)
      missing.push_back(std::to_string(s.missing_zero_to_default) + " NaN and 0 to the default side");
    if (!missing.empty()) row("missing values", join(missing, 3));
    char depth[64];
    std::snprintf(depth, sizeof depth, "max %d, mean leaf depth %.2f", s.max_depth, s.mean_leaf_depth);
    row("depth", depth);
  }
  if (s.has_linear) row("linear", "weights for " + std::to_string(s.num_features) + " features x " +
                                      std::to_string(s.num_outputs) + " outputs");
  if (!s.layers.empty()) {
    row("network", std::to_string(s.layers.size()) + " dense layers in " + s.network_precision +
                       (s.int8_layers ? " (" + std::to_string(s.int8_layers) + " int8)" : ""));
    for (const std::string& layer : s.layers) row("layer", layer);
  }
  row("engine", engine);
  row("memory", format_bytes(memory_bytes));
  if (s.best_iteration >= 0)
    row("best iteration", std::to_string(s.best_iteration) + " (predict uses all trees, as Booster.predict; --num-iterations " +
                              std::to_string(s.best_iteration + 1) + " uses the best)");
}

}  // namespace

void add_inspect_options(CLI::App& app, InspectArgs& args) {
  app.add_option("model", args.model, "Model: xylem JSON or any file `xylem convert` reads")->required();
  app.add_flag("--json", args.json, "Print JSON instead of a table");
  add_from_option(app, args.load.from);
  add_engine_options(app, args.load);
}

int run_inspect(const InspectArgs& args) {
  Model model = Model::load(args.model, load_options(args.load));
  ModelSummary s = model.summary();
  if (args.json) {
    nlohmann::json j = to_json(s);
    j["engine"] = model.engine();
    j["memory_bytes"] = model.memory_bytes();
    std::cout << j.dump(2) << "\n";
  } else {
    print_table(s, model.engine(), model.memory_bytes());
  }
  return 0;
}

}  // namespace xylem::cli
