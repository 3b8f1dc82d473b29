// Model::predict under Google Benchmark: a few fixture models (XGBoost, LightGBM,
// CatBoost) at batch sizes 1, 256 and 10000, for every engine and every instruction
// set of this CPU. The rows are the fixture's own input.csv, cycled to fill a batch;
// each iteration starts at the next row of the file, so calls do not see one row only.
//
// A combination the library refuses (an engine that cannot run the model, an ISA the
// build lacks) is skipped with a note on standard error, as is one that loads into an
// engine already benchmarked for that model (a fallback). The label of each result is
// the engine the model actually runs with (Model::engine()).
//
// The models directory is XYLEM_MODELS_DIR (compiled in; the environment variable of
// the same name overrides it).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "xylem/xylem.h"

namespace {

struct Case {
  std::string name, model, input;  // model and input relative to the models directory
};

const Case kCases[] = {
    {"xgboost_binary_logistic", "xgboost/3.2.0/binary_logistic/model.ubj", "xgboost/3.2.0/binary_logistic/input.csv"},
    {"xgboost_multi_softprob", "xgboost/3.2.0/multi_softprob/model.ubj", "xgboost/3.2.0/multi_softprob/input.csv"},
    {"lightgbm_binary", "lightgbm/4.7.0/binary/model.txt", "lightgbm/4.7.0/binary/input.csv"},
    {"lightgbm_categorical_binary", "lightgbm/4.7.0/categorical_binary/model.txt",
     "lightgbm/4.7.0/categorical_binary/input.csv"},
    {"catboost_symmetric_logloss", "catboost/1.2.10/symmetric_logloss/model.json",
     "catboost/1.2.10/symmetric_logloss/input.csv"},
    {"catboost_depthwise_rmse", "catboost/1.2.10/depthwise_rmse/model.json", "catboost/1.2.10/depthwise_rmse/input.csv"},
};

const char* const kEngines[] = {"reference", "tree_nodes", "tree_array"};
const size_t kBatches[] = {1, 256, 10000};

// One loaded model and its rows: the file's rows, then the first ones again, so that a
// batch of any benchmarked size starting at any row of the file is contiguous.
struct Loaded {
  xylem::Model model;
  size_t file_rows = 0;
  std::vector<double> rows;
};

void bm_predict(benchmark::State& state, const Loaded* loaded, size_t batch) {
  const size_t n_features = loaded->model.num_features();
  std::vector<double> out(batch * loaded->model.output_width());
  size_t offset = 0;
  for (auto _ : state) {
    loaded->model.predict(loaded->rows.data() + offset * n_features, batch, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    offset = (offset + batch + 1) % loaded->file_rows;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(batch));
  state.SetLabel(loaded->model.engine());
}

std::string models_dir() {
  const char* env = std::getenv("XYLEM_MODELS_DIR");
  return env && *env ? env : XYLEM_MODELS_DIR;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const std::string dir = models_dir();
  const std::vector<std::string> isas = xylem::cpu_isas();
  size_t max_batch = 0;
  for (size_t b : kBatches) max_batch = std::max(max_batch, b);

  std::vector<std::unique_ptr<Loaded>> loaded;  // owned here, used by the benchmarks
  for (const Case& c : kCases) {
    std::set<std::string> seen;  // engines (as Model::engine() names them) already registered
    for (const char* engine : kEngines) {
      for (const std::string& isa : isas) {
        const std::string what = c.name + " engine=" + engine + " isa=" + isa;
        xylem::LoadOptions options;
        options.engine = engine;
        options.isa = isa;
        std::unique_ptr<Loaded> l;
        try {
          l = std::make_unique<Loaded>(Loaded{xylem::Model::load(dir + "/" + c.model, options), 0, {}});
          const xylem::CsvTable table = xylem::read_csv_file(dir + "/" + c.input, l->model.label_columns());
          l->rows = l->model.rows_from_table(table);
          l->file_rows = table.rows;
        } catch (const xylem::Error& e) {
          std::fprintf(stderr, "skipped %s: %s\n", what.c_str(), e.what());
          continue;
        }
        if (l->file_rows == 0) {
          std::fprintf(stderr, "skipped %s: %s has no rows\n", what.c_str(), c.input.c_str());
          continue;
        }
        const std::string actual = l->model.engine();
        if (!seen.insert(actual).second) {
          std::fprintf(stderr, "skipped %s: runs as %s, already benchmarked\n", what.c_str(), actual.c_str());
          continue;
        }
        // Cycle the file's rows so that [offset, offset + max_batch) exists for every offset.
        const size_t n_features = l->model.num_features();
        const size_t total = l->file_rows + max_batch - 1;
        l->rows.resize(total * n_features);
        for (size_t r = l->file_rows; r < total; ++r)
          std::copy_n(l->rows.begin() + (r % l->file_rows) * n_features, n_features, l->rows.begin() + r * n_features);
        for (size_t batch : kBatches)
          benchmark::RegisterBenchmark(
              ("predict/" + c.name + "/" + engine + "/" + isa + "/batch:" + std::to_string(batch)).c_str(), bm_predict,
              l.get(), batch);
        loaded.push_back(std::move(l));
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
