// `xylem bench MODEL --data ROWS.csv`: prediction latency and throughput measured inside
// the process, on the real rows of a CSV file, per batch size.
//
// The file's rows are read as `predict` reads them, then extended by cycling (the first
// rows again after the last) so that a batch of any requested size starting at any row
// of the file is one contiguous block: a call predicts `batch` consecutive rows from a
// starting row that moves on by `batch` rows each call, and nothing is copied while the
// clock runs. Each batch size gets a warm-up, then calls for --seconds of wall time (at
// least kMinCalls calls), each timed alone with steady_clock.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/commands.h"
#include "tools/format_option.h"

namespace xylem::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMinCalls = 5;
// Latency samples kept per batch size (a uniform reservoir sample of all the calls:
// a fast model makes tens of millions of calls a second). Mean and max use every call.
constexpr size_t kMaxSamples = size_t{1} << 20;
constexpr size_t kMaxBatch = size_t{1} << 30;

std::vector<size_t> parse_batch_sizes(const std::string& text) {
  std::vector<size_t> sizes;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(begin, end - begin);
    const size_t first = item.find_first_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first, item.find_last_not_of(" \t") - first + 1);
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || value == 0)
      throw Error("--batch-sizes: \"" + item + "\" is not a positive integer");
    if (value > kMaxBatch)
      throw Error("--batch-sizes: " + item + " is too large (at most " + std::to_string(kMaxBatch) + " rows)");
    sizes.push_back(static_cast<size_t>(value));
    if (end == text.size()) break;
    begin = end + 1;
  }
  return sizes;
}

// The "model name" of /proc/cpuinfo, or "" when it cannot be read.
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t first = line.find_first_not_of(" \t", colon + 1);
    return first == std::string::npos ? "" : line.substr(first);
  }
  return "";
}

// The instruction set in an engine name such as "tree_array/avx2"; an engine name
// without one (the reference predictor) is plain portable code.
std::string engine_isa(const std::string& engine) {
  const size_t slash = engine.find('/');
  if (slash == std::string::npos) return "portable";
  const size_t next = engine.find('/', slash + 1);
  return engine.substr(slash + 1, next == std::string::npos ? std::string::npos : next - slash - 1);
}

struct Result {
  size_t batch = 0, calls = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0, rows_per_s = 0;
};

class Sampler {
 public:
  void add(double us) {
    ++count_;
    total_us_ += us;
    max_us_ = std::max(max_us_, us);
    if (samples_.size() < kMaxSamples) {
      samples_.push_back(us);
      return;
    }
    const uint64_t j = next_random() % count_;
    if (j < kMaxSamples) samples_[j] = us;
  }
  size_t count() const { return count_; }
  double total_us() const { return total_us_; }
  double max_us() const { return max_us_; }
  // Nearest rank: the smallest sample with at least a fraction p of the samples at or below it.
  double percentile(double p) {
    if (samples_.empty()) return 0;
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(samples_.size())));
    return samples_[std::clamp<size_t>(rank, 1, samples_.size()) - 1];
  }

 private:
  uint64_t next_random() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::vector<double> samples_;
  size_t count_ = 0;
  double total_us_ = 0, max_us_ = 0;
  bool sorted_ = false;
  uint64_t state_ = 0x5EED;
};

// v rounded to `decimals` decimals (dividing by an exact power of ten prints shortest).
double round_to(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

}  // namespace

void add_bench_options(CLI::App& app, BenchArgs& args) {
  app.add_option("model", args.model, "Model: xylem JSON or any file `xylem convert` reads")->required();
  app.add_option("--data", args.data, "CSV file with a header row: the rows to predict, cycled to fill a batch")
      ->required();
  app.add_option("--batch-sizes", args.batch_sizes, "Comma-separated batch sizes (rows per predict call)")
      ->capture_default_str();
  app.add_option("--threads", args.threads, "Threads to split each batch across")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--seconds", args.seconds, "Seconds of timed calls per batch size (at least 5 calls)")
      ->capture_default_str();
  app.add_option("--warmup", args.warmup, "Seconds of untimed calls before each batch size")->capture_default_str();
  app.add_option("--format", args.format, "Output: table, or json (one JSON object)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_flag("--margin", args.margin, "Time raw margins, as predict --margin");
  app.add_option("--input", args.input,
                 "Rows passed to predict as float64 or float32; auto: float32 when the model rounds its inputs "
                 "to float32 and has no categorical features (the same predictions), else float64")
      ->check(CLI::IsMember({"auto", "float64", "float32"}))
      ->capture_default_str();
  add_from_option(app, args.load.from);
  add_engine_options(app, args.load);
}

int run_bench(const BenchArgs& args) {
  const std::vector<size_t> batches = parse_batch_sizes(args.batch_sizes);
  auto text = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  if (!(args.seconds > 0) || !std::isfinite(args.seconds))
    throw Error("--seconds: must be a positive number, got " + text(args.seconds));
  if (!(args.warmup >= 0) || !std::isfinite(args.warmup))
    throw Error("--warmup: must be zero or a positive number, got " + text(args.warmup));
  if (args.threads < 1) throw Error("--threads: must be at least 1, got " + std::to_string(args.threads));

  const auto t0 = Clock::now();
  const Model model = Model::load(args.model, load_options(args.load));
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

  const CsvTable table = read_csv_file(args.data, model.label_columns());
  if (table.rows == 0) throw Error(args.data + ": no rows to benchmark (the file has a header only)");
  std::vector<double> rows = model.rows_from_table(table);
  const size_t n_features = model.num_features();
  const size_t file_rows = table.rows;

  // Cycle the rows so that [start, start + batch) exists for every start < file_rows.
  const size_t max_batch = *std::max_element(batches.begin(), batches.end());
  const size_t total_rows = file_rows + max_batch - 1;
  rows.resize(total_rows * n_features);
  for (size_t r = file_rows; r < total_rows; ++r)
    std::copy_n(rows.begin() + (r % file_rows) * n_features, n_features, rows.begin() + r * n_features);

  // float32 rows where they change nothing: the engine rounds each value to float32
  // first (XGBoost, CatBoost), and no categorical feature needs the unrounded value.
  // It is what the library itself is given, and it halves the memory a batch reads.
  const ModelSummary summary = model.summary();
  const bool all_numeric = std::all_of(summary.feature_types.begin(), summary.feature_types.end(),
                                       [](const std::string& t) { return t == "numeric"; });
  const bool f32 = args.input == "float32" ||
                   (args.input == "auto" && summary.input_precision == "float32" && all_numeric);
  std::vector<float> rows32;
  if (f32) {
    rows32.assign(rows.begin(), rows.end());
    rows = {};
  }
  auto predict = [&](size_t start, size_t batch, double* out, const PredictOptions& options) {
    if (f32) model.predict(rows32.data() + start * n_features, batch, out, options);
    else model.predict(rows.data() + start * n_features, batch, out, options);
  };
  const std::string input_type = f32 ? "float32" : "float64";

  PredictOptions options;
  options.margin = args.margin;
  options.threads = args.threads;
  const size_t width = model.output_width(args.margin);
  const std::string engine = model.engine();
  const size_t memory = model.memory_bytes();
  const std::string cpu = cpu_model();
  const bool table_format = args.format == "table";

  if (table_format) {
    auto row = [](const char* key, const std::string& value) { std::printf("%-9s %s\n", key, value.c_str()); };
    std::string isas;
    for (const std::string& isa : cpu_isas()) isas += (isas.empty() ? "" : ", ") + isa;
    char load[64];
    std::snprintf(load, sizeof load, "%.1f ms", load_ms);
    row("model", args.model);
    row("engine", engine + " (this CPU runs: " + isas + ")" + (args.load.quantize ? ", quantized" : ""));
    row("load", load);
    row("memory", format_bytes(memory));
    row("data", std::to_string(file_rows) + " rows x " + std::to_string(n_features) + " features (" + args.data +
                    "), cycled to fill a batch, as " + input_type);
    row("threads", std::to_string(args.threads) + (args.margin ? ", margins" : ""));
    if (!cpu.empty()) row("cpu", cpu);
    std::printf("\n%10s %11s %11s %11s %11s %15s %10s\n", "batch", "p50 us", "p90 us", "p99 us", "max us", "rows/s",
                "calls");
    std::fflush(stdout);
  }

  std::vector<Result> results;
  for (const size_t batch : batches) {
    std::vector<double> out(batch * width);
    const size_t step = batch % file_rows == 0 ? 1 : batch % file_rows;
    size_t start = 0;
    auto call = [&] {
      predict(start, batch, out.data(), options);
      start = (start + step) % file_rows;
    };

    const auto warm_begin = Clock::now();
    do call();
    while (std::chrono::duration<double>(Clock::now() - warm_begin).count() < args.warmup);

    Sampler sampler;
    const auto begin = Clock::now();
    while (true) {
      const auto a = Clock::now();
      predict(start, batch, out.data(), options);
      const auto b = Clock::now();
      start = (start + step) % file_rows;
      sampler.add(std::chrono::duration<double, std::micro>(b - a).count());
      if (sampler.count() >= kMinCalls && std::chrono::duration<double>(b - begin).count() >= args.seconds) break;
    }

    Result r;
    r.batch = batch;
    r.calls = sampler.count();
    r.p50_us = sampler.percentile(0.50);
    r.p90_us = sampler.percentile(0.90);
    r.p99_us = sampler.percentile(0.99);
    r.max_us = sampler.max_us();
    r.rows_per_s = static_cast<double>(batch) * static_cast<double>(r.calls) / std::max(1e-12, sampler.total_us() / 1e6);
    results.push_back(r);
    if (table_format) {
      std::printf("%10zu %11.2f %11.2f %11.2f %11.2f %15.0f %10zu\n", r.batch, r.p50_us, r.p90_us, r.p99_us, r.max_us,
                  r.rows_per_s, r.calls);
      std::fflush(stdout);
    }
  }

  if (!table_format) {
    nlohmann::ordered_json j;
    j["model"] = args.model;
    j["engine"] = engine;
    j["isa"] = engine_isa(engine);
    j["quantize"] = args.load.quantize;
    j["threads"] = args.threads;
    j["margin"] = args.margin;
    j["load_ms"] = round_to(load_ms, 3);
    j["memory_bytes"] = memory;
    j["data"] = args.data;
    j["features"] = n_features;
    j["rows_in_file"] = file_rows;
    j["input"] = input_type;
    j["xylem_version"] = version();
    j["cpu"] = cpu.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(cpu);
    j["cpu_isas"] = cpu_isas();
    j["seconds"] = args.seconds;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Result& r : results)
      list.push_back({{"batch", r.batch},
                      {"p50_us", round_to(r.p50_us, 3)},
                      {"p90_us", round_to(r.p90_us, 3)},
                      {"p99_us", round_to(r.p99_us, 3)},
                      {"max_us", round_to(r.max_us, 3)},
                      {"rows_per_s", round_to(r.rows_per_s, 1)},
                      {"calls", r.calls}});
    j["results"] = std::move(list);
    std::cout << j.dump(2) << "\n";
    std::cout.flush();
    if (!std::cout) throw Error("<stdout>: write error");
  }
  return 0;
}

}  // namespace xylem::cli
