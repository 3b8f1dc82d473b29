#include "engine/reference/reference_predictor.h"

#include <algorithm>
#include <cmath>

#include "engine/ir/category_key.h"
#include "engine/reference/network_reference.h"
#include "engine/reference/preprocessing.h"
#include "engine/reference/transforms.h"

namespace xylem::reference {

using ir::MissingRule;
using ir::Precision;
using ir::SplitKind;

ReferencePredictor::ReferencePredictor(ir::Model model) : model_(std::move(model)) {
  trees_per_output_.assign(model_.num_outputs, 0.0);
  for (const ir::Tree& tree : model_.ensemble.trees) {
    std::vector<int32_t> set_of_node(tree.num_nodes(), -1);
    for (size_t k = 0; k < tree.categorical_nodes.size(); ++k)
      set_of_node[tree.categorical_nodes[k]] = static_cast<int32_t>(k);
    category_set_of_node_.push_back(std::move(set_of_node));
    if (tree.leaf_size == 1) {
      trees_per_output_[tree.output] += 1;
    } else {
      for (double& count : trees_per_output_) count += 1;
    }
  }
}

double ReferencePredictor::input_value(const double* row, int32_t feature) const {
  double v = row[feature];
  // XGBoost, scikit-learn trees and CatBoost compare the input after rounding it to float32.
  if (model_.ensemble.input_precision == Precision::Float32) v = static_cast<float>(v);
  return v;
}

bool ReferencePredictor::category_goes_left(const ir::Tree& tree, const std::vector<int32_t>& set_of_node,
                                            int32_t node, double value) const {
  const ir::CategoryRule& rule = model_.ensemble.category_rule;
  const bool set_left = !model_.ensemble.categories_go_right;
  if (std::isnan(value)) return tree.default_left[node];
  const std::optional<uint32_t> category = ir::category_key(rule, value);
  if (!category) return rule.invalid_to_default ? static_cast<bool>(tree.default_left[node]) : !set_left;
  const auto& set = tree.category_sets[set_of_node[node]];
  const bool member = std::binary_search(set.begin(), set.end(), *category);
  return member ? set_left : !set_left;
}

bool ReferencePredictor::goes_left(size_t t, int32_t node, double value) const {
  const ir::Tree& tree = model_.ensemble.trees[t];
  const SplitKind kind = tree.split_kinds[node];
  if (kind == SplitKind::Categorical) return category_goes_left(tree, category_set_of_node_[t], node, value);
  switch (tree.missing_rules[node]) {
    case MissingRule::NanToDefault:
      if (std::isnan(value)) return tree.default_left[node];
      break;
    case MissingRule::NanAsZero:
      if (std::isnan(value)) value = 0.0;
      break;
    case MissingRule::ZeroAndNanToDefault:
      if (std::isnan(value) || (value >= -ir::kZeroThreshold && value <= ir::kZeroThreshold))
        return tree.default_left[node];
      break;
  }
  const double threshold = tree.thresholds[node];
  return kind == SplitKind::Less ? value < threshold : value <= threshold;
}

int32_t ReferencePredictor::leaf_index(size_t t, const double* row) const {
  const ir::Tree& tree = model_.ensemble.trees[t];
  int32_t node = 0;
  // CatBoost's categories are integers that never pass through float32; every other
  // input is rounded as the ensemble's input precision says.
  const bool raw_categories = model_.ensemble.category_rule.key == ir::CategoryKey::DecimalHash;
  while (!tree.is_leaf(node)) {
    const bool raw = raw_categories && tree.split_kinds[node] == ir::SplitKind::Categorical;
    const double value = raw ? row[tree.split_features[node]] : input_value(row, tree.split_features[node]);
    node = goes_left(t, node, value) ? tree.left_children[node] : tree.right_children[node];
  }
  return node;
}

int32_t ReferencePredictor::num_iterations() const {
  return static_cast<int32_t>(model_.ensemble.trees.size() / model_.ensemble.trees_per_iteration);
}

// A linear leaf (LightGBM linear_tree) reads the raw float64 inputs, and falls back
// to the constant leaf value when any input it uses is missing.
double ReferencePredictor::leaf_output(const ir::Tree& tree, int32_t leaf, const double* row) const {
  if (!tree.has_linear_leaves()) return tree.leaf_values[leaf];
  double sum = tree.linear_constants[leaf];
  for (int32_t k = tree.linear_offsets[leaf]; k < tree.linear_offsets[leaf + 1]; ++k) {
    const double x = row[tree.linear_features[k]];
    if (std::isnan(x)) return tree.leaf_values[leaf];
    sum += tree.linear_coefficients[k] * x;
  }
  return sum;
}

// Sums in the library's precision and order: base scores first (when the library
// starts from them), the linear part, then the first `num_trees` trees in file order.
template <typename Acc>
void ReferencePredictor::accumulate_margins(const double* row, Acc* acc, size_t num_trees, bool average) const {
  const ir::OutputStage& out = model_.output;
  const int32_t k_outputs = model_.num_outputs;
  for (int32_t k = 0; k < k_outputs; ++k)
    acc[k] = out.base_scores_first ? static_cast<Acc>(out.base_scores[k]) : Acc(0);

  if (model_.has_linear) {
    const ir::LinearModel& lin = model_.linear;
    for (int32_t k = 0; k < k_outputs; ++k) {
      acc[k] += static_cast<Acc>(lin.bias[k]);
      for (int32_t f = 0; f < model_.num_features; ++f) {
        double x = row[f];
        if (std::isnan(x) && lin.skip_missing) continue;
        if (lin.input_precision == Precision::Float32) x = static_cast<float>(x);
        acc[k] += static_cast<Acc>(x) * static_cast<Acc>(lin.weights[static_cast<size_t>(f) * k_outputs + k]);
      }
    }
  }

  const bool all_trees = num_trees == model_.ensemble.trees.size();
  std::vector<double> used_per_output(all_trees ? 0 : k_outputs, 0.0);
  for (size_t t = 0; t < num_trees; ++t) {
    const ir::Tree& tree = model_.ensemble.trees[t];
    const int32_t leaf = leaf_index(t, row);
    const Acc weight = static_cast<Acc>(tree.weight);
    if (!all_trees) {
      if (tree.leaf_size == 1) used_per_output[tree.output] += 1;
      else for (double& c : used_per_output) c += 1;
    }
    if (tree.leaf_size == 1) {
      Acc value = static_cast<Acc>(leaf_output(tree, leaf, row));
      acc[tree.output] += tree.weight == 1.0 ? value : value * weight;
    } else {
      const double* values = &tree.leaf_values[static_cast<size_t>(leaf) * tree.leaf_size];
      for (int32_t k = 0; k < tree.leaf_size; ++k) {
        Acc value = static_cast<Acc>(values[k]);
        acc[k] += tree.weight == 1.0 ? value : value * weight;
      }
    }
  }

  if (average && out.aggregation == ir::Aggregation::Average) {
    const std::vector<double>& counts = all_trees ? trees_per_output_ : used_per_output;
    for (int32_t k = 0; k < k_outputs; ++k)
      if (counts[k] > 0) acc[k] /= static_cast<Acc>(counts[k]);
  }
  if (out.scale != 1.0)
    for (int32_t k = 0; k < k_outputs; ++k) acc[k] *= static_cast<Acc>(out.scale);
  if (!out.base_scores_first)
    for (int32_t k = 0; k < k_outputs; ++k) acc[k] += static_cast<Acc>(out.base_scores[k]);
}

template <typename T>
void ReferencePredictor::apply_transform(const T* margins, double* out) const {
  const ir::OutputStage& stage = model_.output;
  const int32_t k_outputs = model_.num_outputs;
  if (stage.transform_precision == Precision::Float32) {
    std::vector<float> m(margins, margins + k_outputs);
    transform_float32(stage, m.data(), k_outputs, out);
  } else {
    std::vector<double> m(margins, margins + k_outputs);
    transform_float64(stage, m.data(), k_outputs, out);
  }
}

void ReferencePredictor::predict_row(const double* raw, double* out, bool margin, int32_t num_iterations) const {
  const int32_t k_outputs = model_.num_outputs;
  const bool average = !(margin && model_.output.margin_before_average);
  const double* input = raw;
  std::vector<double> preprocessed, scratch;
  if (!model_.steps.empty()) {
    preprocessed.resize(model_.num_features);
    apply_steps(model_.steps, raw, preprocessed.data(), scratch);
    input = preprocessed.data();
  }
  if (model_.has_network) {
    if (model_.output.accumulation == Precision::Float32) {
      std::vector<float> acc(k_outputs);
      network_margins(model_.network, input, acc.data());
      if (margin) std::copy(acc.begin(), acc.end(), out);
      else apply_transform(acc.data(), out);
    } else {
      std::vector<double> acc(k_outputs);
      network_margins(model_.network, input, acc.data());
      if (margin) std::copy(acc.begin(), acc.end(), out);
      else apply_transform(acc.data(), out);
    }
    return;
  }
  const double* row = input;
  std::vector<double> zeroed;
  if (model_.ensemble.tiny_inputs_are_zero) {
    zeroed.assign(input, input + model_.num_features);
    for (double& x : zeroed)
      if (std::fabs(x) <= ir::kZeroThreshold) x = 0.0;
    row = zeroed.data();
  }
  size_t num_trees = model_.ensemble.trees.size();
  if (num_iterations > 0)
    num_trees = std::min(num_trees, static_cast<size_t>(num_iterations) * model_.ensemble.trees_per_iteration);
  if (model_.output.accumulation == Precision::Float32) {
    std::vector<float> acc(k_outputs);
    accumulate_margins(row, acc.data(), num_trees, average);
    if (margin) std::copy(acc.begin(), acc.end(), out);
    else apply_transform(acc.data(), out);
  } else {
    std::vector<double> acc(k_outputs);
    accumulate_margins(row, acc.data(), num_trees, average);
    if (margin) std::copy(acc.begin(), acc.end(), out);
    else apply_transform(acc.data(), out);
  }
}

}  // namespace xylem::reference
