// xylem::Model: loads through formats/, predicts through the reference predictor.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <unordered_map>
#include <iostream>

#include "engine/api/model_impl.h"
#include "engine/threading/thread_pool.h"
#include "formats/model_loader.h"
#include "formats/xylem_json.h"
#include "xylem/xylem.h"

namespace xylem {

#ifndef XYLEM_VERSION
#define XYLEM_VERSION "0.0.0"
#endif

const char* version() { return XYLEM_VERSION; }

namespace {

formats::ModelFormat to_internal(ModelFormat f) {
  switch (f) {
    case ModelFormat::Auto: return formats::ModelFormat::Auto;
    case ModelFormat::Xylem: return formats::ModelFormat::Xylem;
    case ModelFormat::XGBoost: return formats::ModelFormat::XGBoost;
    case ModelFormat::LightGBM: return formats::ModelFormat::LightGBM;
    case ModelFormat::CatBoost: return formats::ModelFormat::CatBoost;
    case ModelFormat::Onnx: return formats::ModelFormat::Onnx;
  }
  return formats::ModelFormat::Auto;
}

// The shortest text of the number `cell` holds ("10.0" -> "10", "0.50" -> "0.5"); false when
// it is not a finite number.
bool shortest_number_text(const std::string& cell, std::string& out) {
  double v = 0;
  const char* end = cell.data() + cell.size();
  auto r = std::from_chars(cell.data(), end, v);
  if (cell.empty() || r.ec != std::errc() || r.ptr != end || !std::isfinite(v)) return false;
  char buf[64];
  auto w = std::to_chars(buf, buf + sizeof buf, v);
  out.assign(buf, w.ptr);
  return true;
}

// Empty cells and the CSV reader's missing-value spellings (formats/csv_table.cc) stay
// missing, whatever the rule for unknown labels.
bool is_missing_text(const std::string& cell) {
  return cell.empty() || cell == "nan" || cell == "NaN" || cell == "NA" || cell == "NAN";
}

// Rows per task: enough work that handing it to another thread pays.
constexpr size_t kMinRowsPerTask = 64;

template <typename Row>
void predict_rows(const Model::Impl& impl, const Row* rows, size_t n_rows, double* out, const PredictOptions& options) {
  const ir::Model& m = impl.ir();
  const size_t n_features = ir::input_width(m);
  const size_t width = options.margin ? m.num_outputs : ir::prediction_width(m);
  if (options.num_iterations < 0 || options.num_iterations > impl.predictor.num_iterations())
    throw Error("num_iterations " + std::to_string(options.num_iterations) + " out of range: the model has " +
                std::to_string(impl.predictor.num_iterations()) + " iterations");
  if (options.threads < 1) throw Error("threads must be at least 1, not " + std::to_string(options.threads));
  const engine::PredictRequest request{options.margin, options.num_iterations};
  const size_t threads = static_cast<size_t>(options.threads);
  if (threads == 1 || n_rows < 2 * kMinRowsPerTask) {
    impl.engine->predict(rows, n_rows, out, request);
    return;
  }
  // A few tasks per thread even out uneven rows; each is a contiguous range.
  const size_t tasks = std::min(threads * 4, n_rows / kMinRowsPerTask);
  const size_t align = impl.engine->row_alignment();
  const size_t chunk = ((n_rows + tasks - 1) / tasks + align - 1) / align * align;
  threading::ThreadPool::shared().run(tasks, options.threads, [&](size_t task) {
    const size_t begin = task * chunk, end = std::min(n_rows, begin + chunk);
    if (begin < end) impl.engine->predict(rows + begin * n_features, end - begin, out + begin * width, request);
  });
}

}  // namespace

std::string read_file(const std::string& path) {
  if (path == "-") {
    std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file");
  // In blocks, not a character at a time (a 100 MB model was a noticeable part of load time).
  std::string data;
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0) data.append(block, static_cast<size_t>(in.gcount()));
  if (in.bad()) throw Error(path + ": read error");
  return data;
}

Model Model::load(const std::string& path, const LoadOptions& options) {
  std::string bytes = read_file(path);
  return load_from_memory(bytes, path == "-" ? "<stdin>" : path, options);
}

Model Model::load_from_memory(std::string_view bytes, const std::string& name, const LoadOptions& options) {
  ir::Model ir = formats::load_model_ir(bytes, name, to_internal(options.format));
  const engine::EngineChoice choice{options.engine, options.isa, options.quantize};
  return Model(std::make_shared<const Impl>(std::move(ir), choice));
}

std::string Model::to_xylem_json() const { return formats::write_xylem_json(impl_->ir()); }

void Model::save(const std::string& path) const {
  std::string text = to_xylem_json();
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

int Model::num_features() const { return ir::input_width(impl_->ir()); }

int Model::output_width(bool margin) const {
  return margin ? impl_->ir().num_outputs : ir::prediction_width(impl_->ir());
}

const std::vector<std::string>& Model::feature_names() const { return ir::input_names_of(impl_->ir()); }

std::string Model::engine() const { return impl_->engine->name(); }

size_t Model::memory_bytes() const { return sizeof(Impl) + ir::memory_bytes(impl_->ir()) + impl_->engine->memory_bytes(); }

std::vector<std::string> cpu_isas() { return engine::available_isas(); }

std::string Model::task() const { return ir::to_string(impl_->ir().task); }

std::vector<size_t> Model::match_columns(const std::vector<std::string>& header) const {
  const ir::Model& m = impl_->ir();
  const std::vector<std::string>& names = ir::input_names_of(m);
  const int32_t n_inputs = ir::input_width(m);
  std::vector<size_t> columns(n_inputs);
  if (names.empty()) {
    if (header.size() < static_cast<size_t>(n_inputs))
      throw Error("input has " + std::to_string(header.size()) + " columns, the model needs " +
                  std::to_string(n_inputs) + " features (matched by position)");
    for (size_t f = 0; f < columns.size(); ++f) columns[f] = f;
    return columns;
  }
  for (size_t f = 0; f < columns.size(); ++f) {
    auto it = std::find(header.begin(), header.end(), names[f]);
    if (it == header.end()) throw Error("input has no column named \"" + names[f] + "\" (model feature " + std::to_string(f) + ")");
    if (std::find(it + 1, header.end(), names[f]) != header.end())
      throw Error("input has two columns named \"" + names[f] + "\"");
    columns[f] = static_cast<size_t>(it - header.begin());
  }
  return columns;
}

std::vector<std::string> Model::label_columns() const {
  const ir::Model& m = impl_->ir();
  std::vector<std::string> names;
  for (size_t f = 0; f < m.category_labels.size(); ++f)
    if (!m.category_labels[f].empty()) names.push_back(m.feature_names[f]);
  return names;
}

std::vector<double> Model::rows_from_table(const CsvTable& table) const {
  const ir::Model& m = impl_->ir();
  const std::vector<size_t> columns = match_columns(table.header);
  const size_t n_features = columns.size(), width = table.header.size();
  std::vector<double> rows(table.rows * n_features);
  for (size_t r = 0; r < table.rows; ++r)
    for (size_t f = 0; f < n_features; ++f) rows[r * n_features + f] = table.values[r * width + columns[f]];
  // Category labels: label i is category i; unknown labels and empty cells are missing,
  // as pandas codes them (-1) and LightGBM reads them (NaN).
  const size_t n_text = table.text_columns.size();
  for (size_t f = 0; f < m.category_labels.size(); ++f) {
    const std::vector<std::string>& labels = m.category_labels[f];
    if (labels.empty()) continue;
    auto slot = std::find(table.text_columns.begin(), table.text_columns.end(), m.feature_names[f]);
    if (slot == table.text_columns.end())
      throw Error("column \"" + m.feature_names[f] + "\" holds category labels; read the input with the model's "
                  "label_columns() as text columns");
    const size_t k = static_cast<size_t>(slot - table.text_columns.begin());
    std::unordered_map<std::string_view, double> code;
    for (size_t i = 0; i < labels.size(); ++i) code.emplace(labels[i], static_cast<double>(i));
    for (size_t r = 0; r < table.rows; ++r) {
      const std::string& cell = table.texts[r * n_text + k];
      auto it = code.find(cell);
      // A number written another way ("10.0", "010" for the category 10) is that number, as
      // pandas reads it; labels hold numbers in their shortest text.
      std::string number;
      if (it == code.end() && shortest_number_text(cell, number)) it = code.find(number);
      if (it != code.end()) {
        rows[r * n_features + f] = it->second;
        continue;
      }
      if (m.unknown_category_label_is_error && !is_missing_text(cell))
        throw Error("data row " + std::to_string(r + 1) + ", column \"" + m.feature_names[f] + "\": category \"" + cell +
                    "\" is not one the model was trained on (" + std::to_string(labels.size()) + " known)");
      rows[r * n_features + f] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return rows;
}

void Model::predict(const float* rows, size_t n_rows, double* out, const PredictOptions& options) const {
  predict_rows(*impl_, rows, n_rows, out, options);
}

void Model::predict(const double* rows, size_t n_rows, double* out, const PredictOptions& options) const {
  predict_rows(*impl_, rows, n_rows, out, options);
}

}  // namespace xylem
