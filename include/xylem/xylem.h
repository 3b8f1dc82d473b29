// libxylem public C++ API.
//
//   xylem::Model model = xylem::Model::load("model.ubj");   // xylem JSON, XGBoost JSON/UBJSON
//   std::vector<double> out(n_rows * model.output_width());
//   model.predict(rows.data(), n_rows, out.data());          // row-major float or double rows
//
// A loaded Model is immutable: predict() may be called from many threads at once.
// Copies share the loaded model. Every error is an xylem::Error saying where and what.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xylem/error.h"

namespace xylem {

// The library version, "MAJOR.MINOR.PATCH".
const char* version();

enum class ModelFormat { Auto, Xylem, XGBoost, LightGBM, CatBoost, Onnx };

struct LoadOptions {
  ModelFormat format = ModelFormat::Auto;  // Auto: detected from the content
  // The prediction engine: "auto" (the fastest one that can run the model), "reference"
  // (the plain oracle), "tree_nodes" (compact nodes, any tree model) or "tree_array"
  // (branch-free complete trees, numeric splits only) or "dense" (networks and linear
  // models without trees: BLAS for batches, SIMD kernels for a few rows). An engine that
  // cannot run the model is an error naming what it lacks.
  std::string engine = "auto";
  // The instruction set of the kernels: "auto" (the best this CPU has), "portable",
  // "avx2", "avx512". One this CPU lacks is an error.
  std::string isa = "auto";
  // Exact integer thresholds: each feature's thresholds are ranked, each input value is
  // mapped once to its rank code and trees compare codes. Predictions are identical.
  bool quantize = false;
};

// The kernel instruction sets this CPU can run, best last ("portable" always first).
std::vector<std::string> cpu_isas();

struct PredictOptions {
  bool margin = false;  // raw scores, as the library's predict(output_margin=True)
  // Rows are split across this many threads of a persistent pool; a batch too small
  // to be worth splitting runs on the calling thread.
  int threads = 1;
  // Use only the trees of the first N boosting iterations (0: all), like LightGBM's
  // predict(num_iteration=N) and XGBoost's iteration_range=(0, N). N must not exceed
  // the model's iteration count.
  int num_iterations = 0;
};

// What a model is, for `xylem inspect` and for services that check what they loaded.
struct ModelSummary {
  std::string source_library, source_version, source_format, objective, booster;
  int64_t best_iteration = -1;
  std::string task;  // regression, binary_classification, multiclass_classification, ...
  int num_features = 0;
  std::vector<std::string> feature_names;  // empty when the model has none
  std::vector<std::string> feature_types;  // "numeric" or "categorical", one per feature
  int num_outputs = 0;                     // margin width
  int output_width = 0;                    // prediction width
  std::vector<std::string> output_names;   // column names of predictions ("class_<label>" for labelled classes)
  std::vector<std::string> class_labels;   // classifiers: each class's label (integers as text); empty: 0..K-1
  std::string transform;                   // identity, sigmoid, softmax, ...
  std::string output_precision;            // float32 or float64: the precision of the library's outputs
  std::string margin_precision;            // float32 or float64: the precision of its margins
  std::vector<double> base_scores;         // margin space
  size_t num_trees = 0, num_nodes = 0, num_leaves = 0, num_categorical_splits = 0, num_linear_leaves = 0;
  int num_iterations = 0, trees_per_iteration = 1;
  // The numeric rules the trees follow (what users of other engines get wrong).
  std::string input_precision, threshold_precision;  // float32 or float64
  size_t splits_less = 0, splits_less_equal = 0;      // numeric splits by comparison: x < t, x <= t
  size_t missing_to_default = 0, missing_as_zero = 0, missing_zero_to_default = 0;  // numeric splits by rule
  bool base_scores_first = true;                      // false: added after the sum (and scale)
  double scale = 1.0;
  std::vector<std::vector<std::string>> category_labels;  // per feature (empty when none), see label_columns()
  bool unknown_category_label_is_error = false;           // a cell that is no label: an error (XGBoost), else missing
  int max_depth = 0;
  double mean_leaf_depth = 0;
  bool has_linear = false;
  // Preprocessing and networks (scikit-learn pipelines, MLPs).
  int num_inputs = 0;                   // width of the caller's rows (num_features without steps)
  std::vector<std::string> input_names; // names of those columns (feature_names without steps)
  std::vector<std::string> steps;       // e.g. "standard_scale (20 -> 20)"
  std::string network_precision;        // float32 or float64; empty without a network
  std::vector<std::string> layers;      // e.g. "100 -> 256 relu", "256 -> 10 identity, int8 (dynamic input scale)"
  int int8_layers = 0;
};

struct CsvTable;

// int8 quantization of a model's dense layers (Model::quantize_int8).
struct Int8Options {
  // true: one input scale per layer, measured on the calibration rows (the 99.99th
  // percentile of |input|, / 127; larger inputs saturate); false: each row's input is
  // scaled by its own max |value| at prediction time (robust to unusual rows, and the
  // default of `xylem convert`).
  bool static_input_scales = false;
};

// What quantization costs, measured on the calibration rows: the int8 model's
// predictions against the float model's.
struct Int8Report {
  size_t rows = 0;    // calibration rows measured (0: no rows, nothing measured)
  int layers = 0;     // dense layers quantized
  double max_abs_error = 0, mean_abs_error = 0;  // over every predicted value
  double same_class_share = -1;  // classifiers: share of rows whose predicted class is unchanged; else -1
  size_t float_bytes = 0, int8_bytes = 0;        // weight storage before (4 or 8 bytes a weight) and after (1, plus the scales)
};

class Model {
 public:
  // `path` "-" reads standard input.
  static Model load(const std::string& path, const LoadOptions& options = {});
  // `name` is used in error messages.
  static Model load_from_memory(std::string_view bytes, const std::string& name, const LoadOptions& options = {});

  // A copy whose dense layers (an MLP's, or a linear model's, which becomes a one-layer
  // network) hold symmetric per-output-channel int8 weights and compute in float32
  // (docs/format.md, "network"). `calibration` holds n_rows x num_features() rows;
  // static input scales need at least one. Throws for models without dense layers.
  Model quantize_int8(const double* calibration, size_t n_rows, const Int8Options& options,
                      Int8Report* report = nullptr) const;

  // The model in xylem JSON; loading it back predicts bit-identically.
  std::string to_xylem_json() const;
  void save(const std::string& path) const;

  int num_features() const;
  int output_width(bool margin = false) const;  // values per row predict() writes
  const std::vector<std::string>& feature_names() const;
  std::string task() const;
  ModelSummary summary() const;

  // The engine chosen at load time, e.g. "tree_array/avx2" or "reference".
  std::string engine() const;
  // Bytes the loaded model holds in memory (IR plus compiled engine).
  size_t memory_bytes() const;

  // For each model feature, the index of its column in `header`: matched by name when
  // the model has feature names, else by position. Throws naming a missing column.
  std::vector<size_t> match_columns(const std::vector<std::string>& header) const;

  // The input columns that hold category labels as text (a LightGBM model trained on
  // pandas categories): pass them to read_csv so that rows_from_table can map labels.
  std::vector<std::string> label_columns() const;

  // The table's rows as model input (n_rows x num_features(), row-major), columns
  // chosen by match_columns(table.header).
  std::vector<double> rows_from_table(const CsvTable& table) const;

  // rows: n_rows x num_features(), row-major, NaN = missing.
  // out: n_rows x output_width(options.margin).
  void predict(const float* rows, size_t n_rows, double* out, const PredictOptions& options = {}) const;
  void predict(const double* rows, size_t n_rows, double* out, const PredictOptions& options = {}) const;
  // Classifiers: the class each row is predicted to be, as the training library's own
  // predict() decides it (the first largest probability, a 0.5 or a margin threshold:
  // docs/format.md, "label_rule"), named by its label (summary().class_labels, or the
  // class index as text). options.margin must be false. Throws for other models.
  std::vector<std::string> predict_labels(const float* rows, size_t n_rows, const PredictOptions& options = {}) const;
  std::vector<std::string> predict_labels(const double* rows, size_t n_rows, const PredictOptions& options = {}) const;

  struct Impl;

 private:
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// A CSV table of numbers with a header row: empty fields, nan, NaN and NA are
// missing (NaN). Errors name the source and line.
// Columns named in `text_columns` (category labels, see Model::label_columns) are
// kept as text instead: their values are NaN and their cells are in `texts`.
struct CsvTable {
  std::vector<std::string> header;
  size_t rows = 0;
  std::vector<double> values;  // rows x header.size(), row-major
  std::vector<std::string> text_columns;
  std::vector<std::string> texts;  // rows x text_columns.size(), row-major
};

CsvTable read_csv(std::string_view text, const std::string& name, const std::vector<std::string>& text_columns = {});
// `path` "-" reads standard input.
CsvTable read_csv_file(const std::string& path, const std::vector<std::string>& text_columns = {});

// Reads a whole file ("-": standard input) or throws naming it.
std::string read_file(const std::string& path);

}  // namespace xylem
