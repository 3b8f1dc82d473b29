#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "tools/commands.h"
#include "tools/format_option.h"

namespace xylem::cli {
namespace {

// Shortest text that reads back to the same value in the model's output precision.
void append_number(std::string& out, double v, bool float32) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  char buf[64];
  auto r = float32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v)) : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    std::cout.flush();
    if (!std::cout) throw Error("<stdout>: write error");
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path + ": cannot open file for writing");
  out << text;
  out.close();
  if (!out) throw Error(path + ": write error");
}

}  // namespace

void add_predict_options(CLI::App& app, PredictArgs& args) {
  app.add_option("model", args.model, "Model: xylem JSON or any file `xylem convert` reads")->required();
  app.add_option("input", args.input, "CSV file with a header row (- for standard input)")->required();
  app.add_option("-o,--output", args.output, "CSV file to write (default: standard output)");
  app.add_flag("--margin", args.margin, "Raw margins, as predict(output_margin=True)");
  app.add_flag("--labels", args.labels,
               "Classifiers: add a column \"label\", the class label of the most probable class (first on ties)");
  app.add_option("--threads", args.threads, "Threads to split the rows across")->check(CLI::Range(1, 1024));
  app.add_option("--num-iterations", args.num_iterations,
                 "Use only the first N boosting iterations (LightGBM num_iteration, XGBoost iteration_range=(0, N))")
      ->check(CLI::Range(1, 1 << 30));
  add_from_option(app, args.load.from);
  add_engine_options(app, args.load);
  app.add_flag("--timing", args.timing, "Print load and prediction times to standard error");
}

int run_predict(const PredictArgs& args) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  Model model = Model::load(args.model, load_options(args.load));
  auto t1 = Clock::now();
  CsvTable table = read_csv_file(args.input, model.label_columns());
  const std::vector<double> rows = model.rows_from_table(table);
  const size_t n_features = model.num_features();

  const size_t width = model.output_width(args.margin);
  std::vector<double> out(table.rows * width);
  PredictOptions options;
  options.margin = args.margin;
  options.threads = args.threads;
  options.num_iterations = args.num_iterations;
  auto t2 = Clock::now();
  model.predict(rows.data(), table.rows, out.data(), options);
  auto t3 = Clock::now();

  ModelSummary summary = model.summary();
  if (args.labels && summary.task != "binary_classification" && summary.task != "multiclass_classification")
    throw Error("--labels: the model is not a classifier (task " + summary.task + ")");
  if (args.labels && args.margin) throw Error("--labels goes with predictions, not --margin");
  std::vector<std::string> labels;
  if (args.labels) {
    PredictOptions label_options = options;
    label_options.margin = false;
    labels = model.predict_labels(rows.data(), table.rows, label_options);
  }
  auto quoted = [](const std::string& label) {
    if (label.find_first_of(",\"\n\r") == std::string::npos) return label;
    std::string q = "\"";  // RFC 4180
    for (char c : label) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  const bool float32 = args.margin ? summary.margin_precision == "float32"
                                   : summary.output_precision == "float32" && summary.transform != "argmax_class";
  std::string text;
  for (size_t k = 0; k < width; ++k) {
    if (k) text += ',';
    text += args.margin ? (width == 1 ? std::string("margin") : "margin_" + std::to_string(k)) : summary.output_names[k];
  }
  if (args.labels) text += ",label";
  text += '\n';
  for (size_t r = 0; r < table.rows; ++r) {
    for (size_t k = 0; k < width; ++k) {
      if (k) text += ',';
      append_number(text, out[r * width + k], float32);
    }
    if (args.labels) text += "," + quoted(labels[r]);
    text += '\n';
  }
  write_output(args.output, text);

  if (args.timing) {
    auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count(); };
    // Single-row latency: each row predicted alone, as a service would.
    std::vector<double> single(width), latencies;
    PredictOptions one = options;
    one.threads = 1;
    const size_t samples = std::min<size_t>(table.rows, 2000);
    for (size_t i = 0; i < samples; ++i) {
      auto a = Clock::now();
      model.predict(rows.data() + i * n_features, 1, single.data(), one);
      latencies.push_back(us(Clock::now() - a));
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))]; };
    std::fprintf(stderr,
                 "engine %s; load %.1f ms; %zu rows predicted in %.1f ms (%.0f rows/s, %d thread%s); "
                 "batch-1 latency p50 %.2f us, p90 %.2f us, p99 %.2f us\n",
                 model.engine().c_str(), us(t1 - t0) / 1000, table.rows, us(t3 - t2) / 1000,
                 table.rows / std::max(1e-9, us(t3 - t2) / 1e6), args.threads, args.threads == 1 ? "" : "s", pct(0.5),
                 pct(0.9), pct(0.99));
  }
  return 0;
}

}  // namespace xylem::cli
