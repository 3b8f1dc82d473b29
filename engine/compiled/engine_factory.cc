#include "engine/compiled/engine_factory.h"

#include "engine/compiled/dense_engine.h"
#include "engine/compiled/pipeline_engine.h"
#include "engine/compiled/tree_array_engine.h"
#include "engine/compiled/tree_nodes_engine.h"
#include "engine/reference/reference_engine.h"
#include "kernels/cpu_features.h"
#include "kernels/tree_array_kernels.h"
#include "xylem/error.h"

namespace xylem::engine {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

// "auto" takes the AVX-512 kernels where the CPU has them (on an AMD Zen 5, 1.25-1.6x
// the portable kernels at batch 10000; at batch 1 they run the portable ones), and
// the portable kernels otherwise, even where AVX2 runs: eight scalar rows in lock
// step matched or beat the AVX2 gathers on Zen 3 and Zen 5 (three gathers per lane
// and level, each costing about one load per element; see
// kernels/tree_array_avx512.cc for how AVX-512 avoids two of them). `--isa avx2`
// still selects them.
const kernels::ArrayKernelTable& array_kernels(const std::string& isa) {
  if (isa == "auto") return kernels::cpu_has_avx512() ? kernels::array_kernels_avx512() : kernels::array_kernels_portable();
  if (isa == "portable") return kernels::array_kernels_portable();
  if (isa == "avx2") {
    if (!kernels::cpu_has_avx2())
      throw Error("isa avx2: this CPU cannot run AVX2 kernels (it runs: " + joined(available_isas()) + ")");
    return kernels::array_kernels_avx2();
  }
  if (isa == "avx512") {
    if (!kernels::cpu_has_avx512())
      throw Error("isa avx512: this CPU cannot run AVX-512 kernels (it runs: " + joined(available_isas()) + ")");
    return kernels::array_kernels_avx512();
  }
  throw Error("unknown isa \"" + isa + "\" (expected auto, portable, avx2 or avx512)");
}

}  // namespace

std::vector<std::string> available_isas() {
  std::vector<std::string> isas = {"portable"};
  if (kernels::cpu_has_avx2()) isas.push_back("avx2");
  if (kernels::cpu_has_avx512()) isas.push_back("avx512");
  return isas;
}

std::unique_ptr<Engine> choose_engine(const reference::ReferencePredictor& reference, const EngineChoice& choice) {
  const ir::Model& model = reference.model();
  const std::string& name = choice.engine;
  if (name != "auto" && name != "reference" && name != "tree_nodes" && name != "tree_array" && name != "dense")
    throw Error("unknown engine \"" + name + "\" (expected auto, reference, tree_nodes, tree_array or dense)");
  const kernels::ArrayKernelTable& kernels = array_kernels(choice.isa);
  if (choice.quantize && name != "auto" && name != "tree_array")
    throw Error("quantized thresholds need the tree_array engine, not " + name);
  if (name == "reference") return std::make_unique<reference::ReferenceEngine>(reference);

  // Preprocessing steps run in front of the estimator's own engine.
  if (!model.steps.empty()) {
    auto estimator_reference = std::make_unique<reference::ReferencePredictor>(ir::estimator_only(model));
    std::unique_ptr<Engine> estimator = choose_engine(*estimator_reference, choice);
    if (estimator->name() == "reference") return std::make_unique<reference::ReferenceEngine>(reference);
    return std::make_unique<compiled::PipelineEngine>(model.steps, std::move(estimator_reference), std::move(estimator));
  }

  // Networks and linear models without trees: the dense engine.
  if (model.has_network || (model.has_linear && model.ensemble.trees.empty())) {
    std::string why_dense;
    if (name == "auto" || name == "dense") {
      const std::string isa = choice.isa == "auto" ? available_isas().back() : choice.isa;
      if (auto engine = compiled::make_dense_engine(model, isa, &why_dense)) return engine;
      if (name == "dense") throw Error("the dense engine cannot run this model: it has " + why_dense);
    }
  } else if (name == "dense") {
    throw Error("the dense engine cannot run this model: it has trees");
  }

  std::string why_array, why_nodes;
  // Kernels without float64 code of their own (AVX-512) run a model that compares in
  // float64 (LightGBM) on 16-bit threshold codes, which give the same predictions:
  // 2x faster on the LightGBM fixtures. A model whose thresholds do not fit in codes
  // runs on the float64 kernels.
  const bool codes_pay = !kernels.native_float64 && model.ensemble.input_precision == ir::Precision::Float64;
  if (name == "auto" || name == "tree_array") {
    if (codes_pay && !choice.quantize)
      if (auto engine = compiled::make_tree_array_engine(model, kernels, /*quantize=*/true, &why_array)) return engine;
    if (auto engine = compiled::make_tree_array_engine(model, kernels, choice.quantize, &why_array)) return engine;
    if (name == "tree_array" || choice.quantize)
      throw Error("the tree_array engine cannot run this model: it has " + why_array);
  }
  if (auto engine = compiled::make_tree_nodes_engine(model, &why_nodes)) return engine;
  if (name == "tree_nodes") throw Error("the tree_nodes engine cannot run this model: it has " + why_nodes);
  return std::make_unique<reference::ReferenceEngine>(reference);
}

}  // namespace xylem::engine
