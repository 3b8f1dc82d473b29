// Model::summary(): what `xylem inspect` shows, computed from the IR.
#include <algorithm>

#include "engine/api/model_impl.h"

namespace xylem {

ModelSummary Model::summary() const {
  const ir::Model& m = impl_->ir();
  ModelSummary s;
  s.source_library = m.source.library;
  s.source_version = m.source.version;
  s.source_format = m.source.format;
  s.objective = m.source.objective;
  s.booster = m.source.booster;
  s.best_iteration = m.source.best_iteration;
  s.task = ir::to_string(m.task);
  s.num_features = m.num_features;
  s.feature_names = m.feature_names;
  for (ir::FeatureType t : m.feature_types)
    s.feature_types.push_back(t == ir::FeatureType::Categorical ? "categorical" : "numeric");
  s.num_outputs = m.num_outputs;
  s.output_width = ir::prediction_width(m);
  if (m.output.transform == ir::Transform::ArgMaxClass) {
    s.output_names = {"class"};
  } else if (s.output_width == 1) {
    s.output_names = {"prediction"};
  } else if (m.class_labels.size() == static_cast<size_t>(s.output_width)) {
    for (const std::string& label : m.class_labels) s.output_names.push_back("class_" + label);
  } else {
    const bool classes = m.task == ir::Task::MulticlassClassification || m.task == ir::Task::BinaryClassification;
    const char* prefix = classes ? "class_" : "output_";
    for (int k = 0; k < s.output_width; ++k) s.output_names.push_back(prefix + std::to_string(k));
  }
  s.transform = ir::to_string(m.output.transform);
  s.output_precision = ir::to_string(m.output.transform_precision);
  s.margin_precision = ir::to_string(m.output.accumulation);
  s.base_scores = m.output.base_scores;
  s.has_linear = m.has_linear;
  s.num_inputs = ir::input_width(m);
  s.input_names = ir::input_names_of(m);
  s.class_labels = m.class_labels;
  for (const ir::Step& step : m.steps)
    s.steps.push_back(std::string(ir::to_string(step.kind)) + " (" + std::to_string(step.inputs) + " -> " +
                      std::to_string(ir::step_outputs(step)) + ")");
  if (m.has_network) {
    s.network_precision = ir::to_string(m.network.precision);
    for (const ir::DenseLayer& l : m.network.layers) {
      std::string layer = std::to_string(l.inputs) + " -> " + std::to_string(l.outputs) + " " + ir::to_string(l.activation);
      if (l.has_int8) {
        layer += l.int8.static_input_scale ? ", int8 (static input scale)" : ", int8 (dynamic input scale)";
        ++s.int8_layers;
      }
      s.layers.push_back(layer);
    }
  }

  // A float32 network reads its inputs as float32 (the first thing it does); a linear
  // model reads them in its own precision; trees as their rules say.
  const ir::Precision inputs = m.has_network ? m.network.precision
                               : (m.has_linear && m.ensemble.trees.empty()) ? m.linear.input_precision
                                                                            : m.ensemble.input_precision;
  s.input_precision = ir::to_string(m.steps.empty() ? inputs : m.steps.front().precision);
  s.threshold_precision = ir::to_string(m.ensemble.threshold_precision);
  s.base_scores_first = m.output.base_scores_first;
  s.scale = m.output.scale;
  s.category_labels = m.category_labels;
  s.unknown_category_label_is_error = m.unknown_category_label_is_error;
  for (const ir::Tree& tree : m.ensemble.trees)
    for (int32_t i = 0; i < tree.num_nodes(); ++i) {
      if (tree.is_leaf(i) || tree.split_kinds[i] == ir::SplitKind::Categorical) continue;
      (tree.split_kinds[i] == ir::SplitKind::Less ? s.splits_less : s.splits_less_equal) += 1;
      switch (tree.missing_rules[i]) {
        case ir::MissingRule::NanToDefault: ++s.missing_to_default; break;
        case ir::MissingRule::NanAsZero: ++s.missing_as_zero; break;
        case ir::MissingRule::ZeroAndNanToDefault: ++s.missing_zero_to_default; break;
      }
    }
  s.num_trees = m.ensemble.trees.size();
  s.trees_per_iteration = m.ensemble.trees_per_iteration;
  s.num_iterations = impl_->predictor.num_iterations();
  double depth_sum = 0;
  for (const ir::Tree& tree : m.ensemble.trees) {
    s.num_nodes += tree.num_nodes();
    s.num_categorical_splits += tree.categorical_nodes.size();
    // Depth of every node, parents before children (validated trees are proper trees).
    std::vector<int> depth(tree.num_nodes(), 0);
    std::vector<int32_t> stack{0};
    while (!stack.empty()) {
      int32_t i = stack.back();
      stack.pop_back();
      if (tree.is_leaf(i)) {
        ++s.num_leaves;
        if (tree.has_linear_leaves()) ++s.num_linear_leaves;
        depth_sum += depth[i];
        s.max_depth = std::max(s.max_depth, depth[i]);
        continue;
      }
      for (int32_t child : {tree.left_children[i], tree.right_children[i]}) {
        depth[child] = depth[i] + 1;
        stack.push_back(child);
      }
    }
  }
  s.mean_leaf_depth = s.num_leaves ? depth_sum / s.num_leaves : 0;
  return s;
}

}  // namespace xylem
