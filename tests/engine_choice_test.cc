// Engine selection: what LoadOptions.engine / .isa / .quantize choose for a model,
// the errors when a choice cannot be honoured, the names Model::engine() reports and
// the memory the engines account for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/compiled/engine_factory.h"
#include "engine/ir/validate.h"
#include "engine/reference/reference_predictor.h"
#include "formats/xylem_json.h"
#include "tests/ir_builders.h"
#include "tests/test_support.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using ir::MissingRule;
using ir::SplitKind;

std::string model_path(const std::string& relative) { return models_dir() + "/" + relative; }

const char* kNumericXgb = "xgboost/3.2.0/binary_logistic/model.json";
const char* kNumericXgbUbj = "xgboost/3.2.0/reg_squarederror/model.ubj";
const char* kNumericLgb = "lightgbm/4.7.0/regression/model.txt";
const char* kNumericCatBoost = "catboost/1.2.10/symmetric_rmse/model.json";
const char* kCategoricalXgb = "xgboost/3.2.0/categorical_partition/model.json";
const char* kCategoricalLgb = "lightgbm/4.7.0/categorical_binary/model.txt";
const char* kGblinear = "xgboost/3.2.0/gblinear_reg_squarederror/model.json";
const char* kLinearTree = "lightgbm/4.7.0/linear_tree/model.txt";
const char* kCatBoostOneHot = "catboost/1.2.10/onehot_symmetric_logloss/model.json";

Model load(const std::string& relative, const std::string& engine = "auto", const std::string& isa = "auto",
           bool quantize = false) {
  LoadOptions options;
  options.engine = engine;
  options.isa = isa;
  options.quantize = quantize;
  return Model::load(model_path(relative), options);
}

Model load_ir(const ir::Model& m, const std::string& engine = "auto", const std::string& isa = "auto",
              bool quantize = false) {
  ir::validate(m, "test model");
  LoadOptions options;
  options.engine = engine;
  options.isa = isa;
  options.quantize = quantize;
  return Model::load_from_memory(formats::write_xylem_json(m), "test.json", options);
}

// The message of the xylem::Error `fn` throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// In-memory models.

// `n` stumps on feature 0 (float64 rules), thresholds 0, 1, 2, ...
ir::Model stumps(int n) {
  std::vector<ir::Tree> trees;
  for (int i = 0; i < n; ++i) trees.push_back(stump(SplitKind::LessEqual, i, -0.5 * i, 0.25 * i));
  return f64_model(std::move(trees));
}

// A chain of `depth` splits: every right child splits again.
ir::Tree chain(int depth) {
  ir::Tree t;
  auto add = [&](int32_t left, int32_t right, double threshold, double value) {
    t.left_children.push_back(left);
    t.right_children.push_back(right);
    t.split_features.push_back(0);
    t.split_kinds.push_back(SplitKind::LessEqual);
    t.thresholds.push_back(threshold);
    t.default_left.push_back(1);
    t.missing_rules.push_back(MissingRule::NanToDefault);
    t.leaf_values.push_back(value);
  };
  // Node 2k: split k (children 2k+1 leaf, 2k+2 next); the last node is a leaf.
  for (int k = 0; k < depth; ++k) {
    add(2 * k + 1, 2 * k + 2, k, 0.0);
    add(-1, -1, 0, k + 1.0);
  }
  add(-1, -1, 0, -1.0);
  return t;
}

// A tree whose first `internal` nodes in breadth-first order split on feature 0 at
// thresholds[next..]; depth about log2(internal).
ir::Tree breadth_first_tree(int32_t internal, const std::vector<double>& thresholds, size_t& next) {
  ir::Tree t;
  const int32_t n = 2 * internal + 1;
  for (int32_t i = 0; i < n; ++i) {
    const bool split = i < internal;
    t.left_children.push_back(split ? 2 * i + 1 : -1);
    t.right_children.push_back(split ? 2 * i + 2 : -1);
    t.split_features.push_back(0);
    t.split_kinds.push_back(SplitKind::LessEqual);
    t.thresholds.push_back(split ? thresholds[next++] : 0.0);
    t.default_left.push_back(static_cast<uint8_t>(i % 2));
    t.missing_rules.push_back(MissingRule::NanToDefault);
    t.leaf_values.push_back(split ? 0.0 : (i % 7) * 0.125 - 0.375);
  }
  return t;
}

// Trees of depth <= 12 whose splits use `thresholds` in order, one feature.
ir::Model model_with_thresholds(const std::vector<double>& thresholds) {
  std::vector<ir::Tree> trees;
  size_t next = 0;
  while (next < thresholds.size()) {
    const int32_t internal = static_cast<int32_t>(std::min<size_t>(4095, thresholds.size() - next));
    trees.push_back(breadth_first_tree(internal, thresholds, next));
  }
  return f64_model(std::move(trees));
}

// ---------------------------------------------------------------------------

TEST(EngineChoice, CpuIsasStartWithPortable) {
  const std::vector<std::string> isas = cpu_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), "portable");
  for (const std::string& isa : isas) {
    EXPECT_TRUE(isa == "portable" || isa == "avx2" || isa == "avx512") << isa;
    EXPECT_EQ(std::count(isas.begin(), isas.end(), isa), 1) << isa;
  }
}

TEST(EngineChoice, AutoPicksTreeArrayForNumericModels) {
  const std::vector<std::string> isas = cpu_isas();
  for (const char* file : {kNumericXgb, kNumericXgbUbj, kNumericLgb, kNumericCatBoost}) {
    std::string name = load(file).engine();
    ASSERT_EQ(name.rfind("tree_array/", 0), 0u) << file << ": " << name;
    const std::string quantized = "/quantized";
    if (name.size() > quantized.size() && name.ends_with(quantized)) name.resize(name.size() - quantized.size());
    const std::string isa = name.substr(std::strlen("tree_array/"));
    EXPECT_NE(std::find(isas.begin(), isas.end(), isa), isas.end()) << file << ": " << name;
  }
  EXPECT_EQ(load_ir(stumps(3)).engine().rfind("tree_array/", 0), 0u);
  // A single-leaf model, and one with no trees at all.
  ir::Model leaf = f64_model({});
  ir::Tree single;
  single.left_children = {-1};
  single.right_children = {-1};
  single.split_features = {0};
  single.split_kinds = {SplitKind::LessEqual};
  single.thresholds = {0};
  single.default_left = {0};
  single.missing_rules = {MissingRule::NanToDefault};
  single.leaf_values = {2.5};
  leaf.ensemble.trees = {single};
  EXPECT_EQ(load_ir(leaf).engine().rfind("tree_array/", 0), 0u);
  EXPECT_EQ(load_ir(f64_model({})).engine().rfind("tree_array/", 0), 0u);
  // Features whose splits all treat zero as missing are numeric enough.
  ir::Model zero = f64_model({stump(SplitKind::LessEqual, 1.0, 1, 2, true, MissingRule::ZeroAndNanToDefault),
                              stump(SplitKind::Less, -1.0, 3, 4, false, MissingRule::ZeroAndNanToDefault)});
  EXPECT_EQ(load_ir(zero).engine().rfind("tree_array/", 0), 0u);
}

TEST(EngineChoice, AutoPicksTreeNodesForWhatTreeArrayLacks) {
  EXPECT_EQ(load(kCategoricalXgb).engine(), "tree_nodes");
  EXPECT_EQ(load(kCategoricalLgb).engine(), "tree_nodes");
  // One feature with zero-as-missing splits and other splits.
  ir::Model mixed = f64_model({stump(SplitKind::LessEqual, 1.0, 1, 2, true, MissingRule::ZeroAndNanToDefault),
                               stump(SplitKind::LessEqual, 1.0, 3, 4, true, MissingRule::NanToDefault)});
  EXPECT_EQ(load_ir(mixed).engine(), "tree_nodes");
  // Scalar and vector leaves in one model.
  ir::Model sizes = f64_model({stump(SplitKind::LessEqual, 1.0, 1, 2)}, 1, 2);
  ir::Tree vector = stump(SplitKind::LessEqual, 0.5, 0, 0);
  vector.leaf_size = 2;
  vector.leaf_values = {0, 0, 1, 2, 3, 4};
  sizes.ensemble.trees.push_back(vector);
  EXPECT_EQ(load_ir(sizes).engine(), "tree_nodes");
}

// Trees deeper than tree_array pads (kMaxArrayDepth = 12) are either walked by
// tree_array unpadded or left to tree_nodes; a refusal names the depth.
TEST(EngineChoice, DeepTreesAreWalkedOrLeftToTreeNodes) {
  EXPECT_EQ(load_ir(f64_model({chain(12)})).engine().rfind("tree_array/", 0), 0u);
  for (int depth : {13, 14, 200}) {
    const ir::Model deep = f64_model({chain(depth), stump(SplitKind::LessEqual, 1.0, 1, 2)});
    const std::string automatic = load_ir(deep).engine();
    const std::string message = error_of([&] { load_ir(deep, "tree_array"); });
    if (message.empty()) {
      EXPECT_EQ(automatic.rfind("tree_array/", 0), 0u) << depth << ": " << automatic;
    } else {
      EXPECT_EQ(automatic, "tree_nodes") << depth;
      EXPECT_TRUE(contains(message, "the tree_array engine cannot run this model")) << message;
      EXPECT_TRUE(contains(message, "depth " + std::to_string(depth))) << message;
    }
  }
}

TEST(EngineChoice, AutoPicksReferenceForLinearModels) {
  EXPECT_EQ(load(kGblinear).engine(), "reference");
  EXPECT_EQ(load(kLinearTree).engine(), "reference");
  EXPECT_EQ(load(kCatBoostOneHot).engine(), "reference");
}

TEST(EngineChoice, ExplicitEngineThatCannotRunTheModelSaysWhy) {
  struct Case {
    std::string what;
    std::function<Model()> load;
    std::string engine, reason;
  };
  ir::Model mixed = f64_model({stump(SplitKind::LessEqual, 1.0, 1, 2, true, MissingRule::ZeroAndNanToDefault),
                               stump(SplitKind::LessEqual, 1.0, 3, 4, true, MissingRule::NanAsZero)});
  ir::Model sizes = f64_model({stump(SplitKind::LessEqual, 1.0, 1, 2)}, 1, 2);
  ir::Tree vector = stump(SplitKind::LessEqual, 0.5, 0, 0);
  vector.leaf_size = 2;
  vector.leaf_values = {0, 0, 1, 2, 3, 4};
  sizes.ensemble.trees.push_back(vector);
  const std::vector<Case> cases = {
      {"xgboost categorical", [] { return load(kCategoricalXgb, "tree_array"); }, "tree_array", "categorical splits"},
      {"lightgbm categorical", [] { return load(kCategoricalLgb, "tree_array"); }, "tree_array",
       "categorical splits"},
      {"gblinear / tree_array", [] { return load(kGblinear, "tree_array"); }, "tree_array", "linear booster"},
      {"gblinear / tree_nodes", [] { return load(kGblinear, "tree_nodes"); }, "tree_nodes", "linear booster"},
      {"linear tree / tree_array", [] { return load(kLinearTree, "tree_array"); }, "tree_array", "linear leaves"},
      {"linear tree / tree_nodes", [] { return load(kLinearTree, "tree_nodes"); }, "tree_nodes", "linear leaves"},
      {"catboost one-hot", [] { return load(kCatBoostOneHot, "tree_nodes"); }, "tree_nodes",
       "hashed integer categories"},
      {"mixed zero rules", [&] { return load_ir(mixed, "tree_array"); }, "tree_array", "mix zero-as-missing"},
      {"mixed leaf sizes", [&] { return load_ir(sizes, "tree_array"); }, "tree_array", "different leaf sizes"},
      {"quantized categorical", [] { return load(kCategoricalXgb, "tree_array", "auto", true); }, "tree_array",
       "categorical splits"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(c.load);
    EXPECT_TRUE(contains(message, "the " + c.engine + " engine cannot run this model")) << c.what << ": " << message;
    EXPECT_TRUE(contains(message, c.reason)) << c.what << ": " << message;
  }
  // The reference runs everything.
  for (const char* file : {kCategoricalXgb, kGblinear, kLinearTree, kCatBoostOneHot})
    EXPECT_EQ(load(file, "reference").engine(), "reference") << file;
  EXPECT_EQ(load(kCategoricalXgb, "tree_nodes").engine(), "tree_nodes");
}

TEST(EngineChoice, QuantizeWithAutoNeedsTreeArray) {
  // quantize asks for tree_array's integer thresholds: auto cannot fall back to an
  // engine that would ignore it.
  EXPECT_EQ(load(kNumericXgb, "auto", "portable", true).engine(), "tree_array/portable/quantized");
  const std::string message = error_of([] { load(kCategoricalXgb, "auto", "auto", true); });
  EXPECT_TRUE(contains(message, "tree_array engine cannot run this model")) << message;
}

// AVX-512 has no float64 kernels: a model that compares in float64 (LightGBM) runs on
// threshold codes there, unasked (the same predictions, 2x faster), and on float64
// everywhere else; a float32 model (XGBoost) never unasked.
TEST(EngineChoice, Float64ModelsRunQuantizedWhereTheKernelsHaveNoFloat64) {
  for (const std::string& isa : cpu_isas()) {
    const std::string expected = "tree_array/" + isa + (isa == "avx512" ? "/quantized" : "");
    EXPECT_EQ(load(kNumericLgb, "auto", isa).engine(), expected) << isa;
    EXPECT_EQ(load(kNumericLgb, "tree_array", isa).engine(), expected) << isa;
    EXPECT_EQ(load(kNumericLgb, "tree_array", isa, true).engine(), "tree_array/" + isa + "/quantized") << isa;
    EXPECT_EQ(load(kNumericXgb, "auto", isa).engine(), "tree_array/" + isa) << isa;
  }
  const std::vector<std::string> isas = cpu_isas();
  const bool avx512 = std::find(isas.begin(), isas.end(), "avx512") != isas.end();
  EXPECT_EQ(load(kNumericLgb).engine(), avx512 ? "tree_array/avx512/quantized" : "tree_array/portable");
}

TEST(EngineChoice, BadOptionsAreClearErrors) {
  struct Case {
    std::string engine, isa;
    bool quantize;
    std::vector<std::string> expected;  // substrings of the message
  };
  std::vector<Case> cases = {
      {"fast", "auto", false, {"unknown engine \"fast\"", "auto, reference, tree_nodes, tree_array or dense"}},
      {"", "auto", false, {"unknown engine \"\""}},
      {"Tree_Array", "auto", false, {"unknown engine \"Tree_Array\""}},
      {"auto", "sse9", false, {"unknown isa \"sse9\"", "auto, portable, avx2 or avx512"}},
      {"tree_array", "AVX2", false, {"unknown isa \"AVX2\""}},
      {"tree_nodes", "auto", true, {"quantized thresholds need the tree_array engine, not tree_nodes"}},
      {"reference", "auto", true, {"quantized thresholds need the tree_array engine, not reference"}},
      {"dense", "auto", false, {"the dense engine cannot run this model: it has trees"}},
  };
  const std::vector<std::string> isas = cpu_isas();
  if (std::find(isas.begin(), isas.end(), "avx2") == isas.end())
    cases.push_back({"tree_array", "avx2", false, {"avx2", "cannot run AVX2", "portable"}});
  if (std::find(isas.begin(), isas.end(), "avx512") == isas.end()) {
    cases.push_back({"auto", "avx512", false, {"avx512", "cannot run AVX-512", "portable"}});
    cases.push_back({"tree_array", "avx512", true, {"avx512", "cannot run AVX-512", "portable"}});
  }
  for (const Case& c : cases) {
    const std::string message = error_of([&] { load(kNumericXgb, c.engine, c.isa, c.quantize); });
    for (const std::string& part : c.expected)
      EXPECT_TRUE(contains(message, part)) << "engine \"" << c.engine << "\" isa \"" << c.isa << "\" quantize "
                                           << c.quantize << ": " << message;
  }
}

TEST(EngineChoice, EngineNames) {
  EXPECT_EQ(load(kNumericXgb, "reference").engine(), "reference");
  EXPECT_EQ(load(kNumericXgb, "tree_nodes").engine(), "tree_nodes");
  for (const std::string& isa : cpu_isas()) {
    EXPECT_EQ(load(kNumericXgb, "tree_array", isa).engine(), "tree_array/" + isa);
    EXPECT_EQ(load(kNumericXgb, "tree_array", isa, true).engine(), "tree_array/" + isa + "/quantized");
    EXPECT_EQ(load(kNumericXgb, "auto", isa).engine(), "tree_array/" + isa);
    // The isa does not matter to engines without kernels.
    EXPECT_EQ(load(kNumericXgb, "tree_nodes", isa).engine(), "tree_nodes");
    EXPECT_EQ(load(kCategoricalXgb, "auto", isa).engine(), "tree_nodes");
  }
}

TEST(EngineChoice, MemoryBytesArePositiveAndGrowWithTheModel) {
  const ir::Model small = stumps(10), big = stumps(200);
  std::vector<std::pair<std::string, bool>> engines = {{"reference", false}, {"tree_nodes", false},
                                                       {"tree_array", false}, {"tree_array", true}};
  size_t reference_small = 0, reference_big = 0;
  for (const auto& [engine, quantize] : engines) {
    const Model a = load_ir(small, engine, "auto", quantize), b = load_ir(big, engine, "auto", quantize);
    SCOPED_TRACE(a.engine());
    EXPECT_GT(a.memory_bytes(), 0u);
    EXPECT_GT(b.memory_bytes(), a.memory_bytes());
    // 190 more stumps: more than their IR's thresholds and leaves.
    EXPECT_GT(b.memory_bytes() - a.memory_bytes(), 190 * 3 * 2 * sizeof(double));
    if (engine == "reference") {
      reference_small = a.memory_bytes();
      reference_big = b.memory_bytes();
    } else {
      // A compiled engine holds its own arrays on top of the IR.
      EXPECT_GT(a.memory_bytes(), reference_small);
      EXPECT_GT(b.memory_bytes(), reference_big);
    }
  }
  // Real files too.
  for (const char* file : {kNumericXgb, kCategoricalLgb, kGblinear, kLinearTree}) {
    EXPECT_GT(load(file).memory_bytes(), 1000u) << file;
  }
  EXPECT_GT(load(kNumericXgb, "tree_nodes").memory_bytes(), load(kNumericXgb, "reference").memory_bytes());
}

// ---------------------------------------------------------------------------
// Quantized thresholds are 16-bit codes: 65534 distinct thresholds per feature at
// most (0xffff marks NaN). Built in memory and handed to the engine factory
// directly (a model this size is slow to write and parse as JSON under sanitizers).

std::vector<double> distinct_thresholds(size_t n) {
  std::vector<double> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<double>(i) - 1000.0;
  return t;
}

std::string choose_error(const ir::Model& m, const engine::EngineChoice& choice) {
  ir::validate(m, "test model");
  const reference::ReferencePredictor reference(m);
  return error_of([&] { engine::choose_engine(reference, choice); });
}

TEST(EngineChoice, QuantizeRefusesMoreThan65534DistinctThresholds) {
  std::vector<double> thresholds = distinct_thresholds(65535);
  const ir::Model over = model_with_thresholds(thresholds);
  const std::string message = choose_error(over, {"tree_array", "portable", true});
  EXPECT_TRUE(contains(message, "the tree_array engine cannot run this model")) << message;
  EXPECT_TRUE(contains(message, "feature 0")) << message;
  EXPECT_TRUE(contains(message, "65535 distinct thresholds")) << message;
  EXPECT_TRUE(contains(message, "65534")) << message;
  EXPECT_EQ(choose_error(over, {"auto", "auto", true}), message);
  // Without codes there is no limit, also where float64 models take codes unasked.
  EXPECT_EQ(choose_error(over, {"tree_array", "portable", false}), "");
  for (const std::string& isa : cpu_isas()) {
    const reference::ReferencePredictor reference(over);
    EXPECT_EQ(engine::choose_engine(reference, {"auto", isa, false})->name(), "tree_array/" + isa) << isa;
  }

  // 65534 distinct, some of them several times (and 0.0 as -0.0): accepted.
  thresholds.pop_back();
  for (size_t i = 0; i < 3000; ++i) thresholds.push_back(thresholds[i * 7]);
  thresholds.push_back(-0.0);
  const ir::Model at_limit = model_with_thresholds(thresholds);
  for (const std::string& isa : cpu_isas())
    EXPECT_EQ(choose_error(at_limit, {"tree_array", isa, true}), "") << isa;
}

TEST(EngineChoice, DistinctThresholdsCountAfterRoundingToTheInputPrecision) {
  // Pairs t, nextafter(t): one float32 threshold per pair for float32 inputs (x <= t
  // and x <= next(t) agree on every float), two float64 ones for float64 inputs.
  std::vector<double> thresholds;
  for (int i = 0; i < 40000; ++i) {
    thresholds.push_back(i * 0.5);
    thresholds.push_back(std::nextafter(i * 0.5, 1e9));
  }
  ir::Model m = model_with_thresholds(thresholds);  // float64 inputs
  EXPECT_TRUE(contains(choose_error(m, {"tree_array", "portable", true}), "80000 distinct thresholds"));
  m.ensemble.input_precision = ir::Precision::Float32;
  EXPECT_EQ(choose_error(m, {"tree_array", "portable", true}), "");
}

TEST(EngineChoice, QuantizedAtTheCodeLimitPredictsLikeTheReference) {
  // 65534 distinct thresholds: the largest code (0xfffe) sits next to the NaN code.
  const std::vector<double> thresholds = distinct_thresholds(65534);
  for (ir::Precision input : {ir::Precision::Float64, ir::Precision::Float32}) {
    ir::Model m = model_with_thresholds(thresholds);
    m.ensemble.input_precision = input;
    ir::validate(m, "test model");
    const reference::ReferencePredictor reference(m);
    std::vector<double> rows;
    for (double t : {-1000.0, -999.5, -1001.0, 0.0, 64533.0, 64532.5, 64533.5, 64534.0, 1e9, -1e9}) rows.push_back(t);
    for (double v : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                     std::nan(""), std::nextafter(64533.0, 1e9), std::nextafter(-1000.0, -1e9)})
      rows.push_back(v);
    for (int i = 0; i < 300; ++i) rows.push_back(-1000.0 + i * 218.7);
    std::vector<double> expected(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) reference.predict_row(&rows[r], &expected[r], false);
    for (const std::string& isa : cpu_isas()) {
      const auto engine = engine::choose_engine(reference, {"tree_array", isa, true});
      SCOPED_TRACE(engine->name());
      // Batches of 1 (trees in lock step) and all rows at once (rows in lock step).
      std::vector<double> one(1), all(rows.size());
      engine->predict(rows.data(), rows.size(), all.data(), {});
      for (size_t r = 0; r < rows.size(); ++r) {
        engine->predict(&rows[r], 1, one.data(), {});
        EXPECT_EQ(std::memcmp(&one[0], &expected[r], sizeof(double)), 0) << "row " << rows[r] << ": " << one[0]
                                                                         << " vs " << expected[r];
        EXPECT_EQ(std::memcmp(&all[r], &expected[r], sizeof(double)), 0) << "row " << rows[r] << ": " << all[r]
                                                                         << " vs " << expected[r];
      }
    }
  }
}

}  // namespace
}  // namespace xylem::testing
