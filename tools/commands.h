// The subcommands of the `xylem` CLI, one file each.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "tools/format_option.h"

namespace xylem::cli {

// "123456 bytes (120.6 KiB)", for the memory footprints inspect and bench print.
inline std::string format_bytes(size_t bytes) {
  std::string text = std::to_string(bytes) + " bytes";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  if (unit >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f %s)", value, units[unit]);
    text += buf;
  }
  return text;
}

struct ConvertArgs {
  std::string input, output, from = "auto";
  std::string quantize;            // "" or "int8"
  std::string calibration;         // CSV rows that measure the int8 cost (and static scales)
  std::string int8_inputs = "dynamic";  // dynamic (per row) or static (per layer, from the calibration rows)
};
void add_convert_options(CLI::App& app, ConvertArgs& args);
int run_convert(const ConvertArgs& args);

struct PredictArgs {
  std::string model, input, output = "-";
  LoadArgs load;  // --from, --engine, --isa, --quantize
  bool margin = false, timing = false, labels = false;
  int threads = 1, num_iterations = 0;
};
void add_predict_options(CLI::App& app, PredictArgs& args);
int run_predict(const PredictArgs& args);

struct InspectArgs {
  std::string model;
  LoadArgs load;  // --from, --engine, --isa, --quantize (the engine inspect reports)
  bool json = false;
};
void add_inspect_options(CLI::App& app, InspectArgs& args);
int run_inspect(const InspectArgs& args);

// `xylem bench MODEL --data ROWS.csv`: in-process prediction latency and throughput on
// the file's rows, per batch size.
struct BenchArgs {
  std::string model, data, batch_sizes = "1,16,256,10000", format = "table", input = "auto";
  LoadArgs load;
  bool margin = false;
  int threads = 1;
  double seconds = 1.0, warmup = 0.2;
};
void add_bench_options(CLI::App& app, BenchArgs& args);
int run_bench(const BenchArgs& args);

}  // namespace xylem::cli
