#include "engine/ir/validate.h"

#include <algorithm>
#include <cmath>

#include "xylem/error.h"

namespace xylem::ir {
namespace {

// Upper bounds that no real model reaches; they turn absurd sizes into errors
// instead of huge allocations.
constexpr int32_t kMaxOutputs = 1 << 20;

class Checker {
 public:
  Checker(const Model& model, const std::string& where) : m_(model), where_(where) {}

  void run() {
    if (m_.num_features < 0 || m_.num_features > kMaxFeatures)
      fail("num_features", "feature count " + std::to_string(m_.num_features) + " out of range [0, " +
                               std::to_string(kMaxFeatures) + "]");
    if (m_.num_outputs < 1 || m_.num_outputs > kMaxOutputs)
      fail("num_outputs", "output count " + std::to_string(m_.num_outputs) + " out of range [1, " +
                              std::to_string(kMaxOutputs) + "]");
    if (!m_.feature_names.empty() && m_.feature_names.size() != static_cast<size_t>(m_.num_features))
      fail("features.names", "has " + std::to_string(m_.feature_names.size()) + " names for " +
                                 std::to_string(m_.num_features) + " features");
    if (m_.feature_types.size() != static_cast<size_t>(m_.num_features))
      fail("features.types", "has " + std::to_string(m_.feature_types.size()) + " types for " +
                                 std::to_string(m_.num_features) + " features");
    check_category_labels();
    check_output();
    const int32_t per_iteration = m_.ensemble.trees_per_iteration;
    if (per_iteration < 1 || m_.ensemble.trees.size() % per_iteration != 0)
      fail("tree_rules.trees_per_iteration", std::to_string(per_iteration) + " trees per iteration does not divide the " +
                                                 std::to_string(m_.ensemble.trees.size()) + " trees");
    for (size_t t = 0; t < m_.ensemble.trees.size(); ++t) check_tree(m_.ensemble.trees[t], t);
    if (m_.has_linear) check_linear();
    if (m_.has_network) check_network();
    if (!m_.steps.empty()) check_steps();
    if (m_.ensemble.trees.empty() && !m_.has_linear && m_.output.aggregation == Aggregation::Average)
      fail("output.aggregation", "average of no trees");
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(where_ + ": " + path + ": " + what);
  }

  void check_category_labels() {
    if (m_.category_labels.empty()) {
      if (m_.unknown_category_label_is_error)
        fail("features.unknown_category_label", "\"error\" without category_labels");
      return;
    }
    if (m_.category_labels.size() != static_cast<size_t>(m_.num_features))
      fail("features.category_labels", "has " + std::to_string(m_.category_labels.size()) + " entries for " +
                                           std::to_string(m_.num_features) + " features");
    if (m_.feature_names.empty())
      fail("features.category_labels", "category labels need feature names (inputs are matched by name)");
    for (size_t f = 0; f < m_.category_labels.size(); ++f) {
      std::vector<std::string> sorted = m_.category_labels[f];
      std::sort(sorted.begin(), sorted.end());
      auto dup = std::adjacent_find(sorted.begin(), sorted.end());
      if (dup != sorted.end())
        fail("features.category_labels[" + std::to_string(f) + "]", "label \"" + *dup + "\" appears twice");
    }
  }

  void check_class_labels() {
    if (m_.class_labels.empty()) return;
    const Transform t = m_.output.transform;
    // A binary model with one column (p of the second class) still has two classes.
    const bool one_column_binary = m_.task == Task::BinaryClassification && prediction_width(m_) == 1;
    const int32_t classes = t == Transform::ArgMaxClass ? m_.num_outputs
                            : t == Transform::HingeClass || one_column_binary ? 2
                                                                              : prediction_width(m_);
    if (m_.class_labels.size() != static_cast<size_t>(classes))
      fail("class_labels", "has " + std::to_string(m_.class_labels.size()) + " labels for " + std::to_string(classes) +
                               " classes");
    std::vector<std::string> sorted = m_.class_labels;
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end()) fail("class_labels", "label \"" + *dup + "\" appears twice");
  }

  void check_label_rule() {
    const LabelRule r = m_.output.label_rule;
    if (r == LabelRule::Auto) return;
    const bool classifier = m_.task == Task::BinaryClassification || m_.task == Task::MulticlassClassification;
    if (!classifier) fail("output.label_rule", std::string(to_string(r)) + " is for classifiers; the task is " + to_string(m_.task));
    const bool one_margin = r == LabelRule::MarginPositive || r == LabelRule::MarginNonNegative;
    if (one_margin && m_.num_outputs != 1)
      fail("output.label_rule", std::string(to_string(r)) + " needs one margin; the model has " + std::to_string(m_.num_outputs));
    if (r == LabelRule::ArgMaxMargin && m_.num_outputs < 2)
      fail("output.label_rule", "argmax_margin needs two margins or more; the model has " + std::to_string(m_.num_outputs));
  }

  void check_output() {
    check_class_labels();
    check_label_rule();
    const OutputStage& o = m_.output;
    if (o.base_scores.size() != static_cast<size_t>(m_.num_outputs))
      fail("output.base_scores", "has " + std::to_string(o.base_scores.size()) + " values for " +
                                     std::to_string(m_.num_outputs) + " outputs");
    for (size_t k = 0; k < o.base_scores.size(); ++k)
      if (std::isnan(o.base_scores[k])) fail("output.base_scores[" + std::to_string(k) + "]", "is NaN");
    if (!std::isfinite(o.scale)) fail("output.scale", "is not finite");
    if (!std::isfinite(o.sigmoid_alpha)) fail("output.sigmoid_alpha", "is not finite");
    const bool pair = o.transform == Transform::SigmoidPair || o.transform == Transform::NegatedPair ||
                      o.transform == Transform::ComplementPair;
    if (pair && m_.num_outputs != 1)
      fail("output.transform", std::string(to_string(o.transform)) + " turns one margin into two values; the model has " +
                                   std::to_string(m_.num_outputs) + " outputs");
  }

  static std::string shape(int64_t rows, int64_t cols) { return std::to_string(rows) + " x " + std::to_string(cols); }

  void check_network() {
    const Network& net = m_.network;
    if (!m_.ensemble.trees.empty()) fail("network", "a model with a network has no trees");
    if (m_.has_linear) fail("network", "a model with a network has no linear part");
    if (net.layers.empty()) fail("network.layers", "a network needs at least one layer");
    // The margins are the last layer's outputs: nothing to average, scale or shift.
    for (size_t k = 0; k < m_.output.base_scores.size(); ++k)
      if (m_.output.base_scores[k] != 0)
        fail("output.base_scores[" + std::to_string(k) + "]", "must be 0 for a network (put it in the last layer's bias)");
    if (m_.output.scale != 1) fail("output.scale", "must be 1 for a network");
    if (m_.output.aggregation != Aggregation::Sum) fail("output.aggregation", "must be sum for a network");
    if (m_.output.accumulation != net.precision)
      fail("output.accumulation", std::string("is ") + to_string(m_.output.accumulation) + " but the network computes in " +
                                      to_string(net.precision));
    int32_t width = m_.num_features;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const DenseLayer& l = net.layers[i];
      const std::string p = "network.layers[" + std::to_string(i) + "]";
      if (l.inputs != width)
        fail(p + ".inputs", "layer takes " + std::to_string(l.inputs) + " inputs but " +
                                (i == 0 ? "the model has " + std::to_string(width) + " features"
                                        : "layer " + std::to_string(i - 1) + " has " + std::to_string(width) + " outputs"));
      const size_t weights = static_cast<size_t>(l.inputs) * static_cast<size_t>(l.outputs);
      if (l.has_int8) {
        if (net.precision != Precision::Float32)
          fail(p + ".int8", "int8 layers compute in float32; the network's precision is float64");
        if (l.int8.values.size() != weights)
          fail(p + ".int8.values", "has " + std::to_string(l.int8.values.size()) + " values, expected " +
                                       shape(l.outputs, l.inputs) + " (outputs x inputs) = " + std::to_string(weights));
        if (l.int8.scales.size() != static_cast<size_t>(l.outputs))
          fail(p + ".int8.scales", "has " + std::to_string(l.int8.scales.size()) + " scales for " +
                                       std::to_string(l.outputs) + " outputs");
        for (size_t o = 0; o < l.int8.scales.size(); ++o)
          if (!(l.int8.scales[o] > 0) || !std::isfinite(l.int8.scales[o]))
            fail(p + ".int8.scales[" + std::to_string(o) + "]", "must be a positive finite number");
        if (l.int8.static_input_scale && !(l.int8.input_scale > 0 && std::isfinite(l.int8.input_scale)))
          fail(p + ".int8.input_scale", "must be a positive finite number");
        if (l.inputs > kMaxInt8Inputs)
          fail(p + ".inputs", "an int8 layer takes at most " + std::to_string(kMaxInt8Inputs) + " inputs (its int32 sums), not " +
                                  std::to_string(l.inputs));
        // An unsigned input range holds no negative value: only after an activation that gives none.
        if (l.int8.unsigned_input) {
          const bool non_negative = i > 0 && (net.layers[i - 1].activation == Activation::Relu ||
                                              net.layers[i - 1].activation == Activation::Logistic ||
                                              net.layers[i - 1].activation == Activation::Softmax);
          if (!non_negative)
            fail(p + ".int8.unsigned_input", "needs a non-negative input: the previous layer's activation must be relu, "
                                             "logistic or softmax");
        }
      } else if (l.weights.size() != weights) {
        fail(p + ".weights", "has " + std::to_string(l.weights.size()) + " values, expected " +
                                 shape(l.inputs, l.outputs) + " (inputs x outputs) = " + std::to_string(weights));
      }
      if (l.bias.size() != static_cast<size_t>(l.outputs))
        fail(p + ".bias", "has " + std::to_string(l.bias.size()) + " values for " + std::to_string(l.outputs) + " outputs");
      if (!std::isfinite(l.alpha)) fail(p + ".alpha", "is not finite");
      width = l.outputs;
    }
    if (width != m_.num_outputs)
      fail("network.layers[" + std::to_string(net.layers.size() - 1) + "].outputs",
           "the last layer has " + std::to_string(width) + " outputs but the model has " +
               std::to_string(m_.num_outputs));
  }

  void check_steps() {
    if (!m_.input_names.empty() && m_.input_names.size() != static_cast<size_t>(m_.steps.front().inputs))
      fail("preprocessing.input_names", "has " + std::to_string(m_.input_names.size()) + " names for " +
                                            std::to_string(m_.steps.front().inputs) + " inputs");
    int64_t width = m_.steps.front().inputs;
    for (size_t i = 0; i < m_.steps.size(); ++i) {
      const Step& st = m_.steps[i];
      const std::string p = "preprocessing.steps[" + std::to_string(i) + "]";
      if (st.inputs != width)
        fail(p + ".inputs", "step takes " + std::to_string(st.inputs) + " inputs but step " + std::to_string(i - 1) +
                                " gives " + std::to_string(width));
      const size_t n = static_cast<size_t>(st.inputs);
      auto per_column = [&](const std::vector<double>& v, const char* name, bool nonzero, bool finite) {
        if (v.size() != n)
          fail(p + "." + name, "has " + std::to_string(v.size()) + " values for " + std::to_string(n) + " inputs");
        for (size_t c = 0; c < n; ++c) {
          if (std::isnan(v[c]) || (finite && !std::isfinite(v[c])))
            fail(p + "." + name + "[" + std::to_string(c) + "]", finite ? "is not finite" : "is NaN");
          if (nonzero && v[c] == 0) fail(p + "." + name + "[" + std::to_string(c) + "]", "is 0 (a divisor)");
        }
      };
      switch (st.kind) {
        case StepKind::StandardScale:
          per_column(st.offsets, "offsets", false, true);
          per_column(st.scales, "scales", true, true);
          break;
        case StepKind::MinMaxScale:
          per_column(st.scales, "scales", false, true);
          per_column(st.offsets, "offsets", false, true);
          if (st.clip && !(st.clip_min <= st.clip_max))
            fail(p + ".clip", "low " + std::to_string(st.clip_min) + " is above high " + std::to_string(st.clip_max));
          break;
        case StepKind::MaxAbsScale:
          per_column(st.scales, "scales", true, true);
          break;
        case StepKind::ShiftScale:
          per_column(st.offsets, "offsets", false, true);
          per_column(st.scales, "scales", false, true);
          break;
        case StepKind::Normalize:
          break;
        case StepKind::ImputeConstant:
          per_column(st.values, "values", false, true);
          break;
        case StepKind::OneHot: {
          if (st.categories.size() != st.columns.size())
            fail(p + ".categories", "has " + std::to_string(st.categories.size()) + " lists for " +
                                        std::to_string(st.columns.size()) + " columns");
          for (size_t k = 0; k < st.columns.size(); ++k) {
            const std::string c = p + ".columns[" + std::to_string(k) + "]";
            if (st.columns[k] < 0 || st.columns[k] >= st.inputs)
              fail(c, "column " + std::to_string(st.columns[k]) + " out of range (the step has " +
                          std::to_string(st.inputs) + " inputs)");
            if (k > 0 && st.columns[k] <= st.columns[k - 1]) fail(c, "columns must be distinct and ascending");
            const std::vector<double>& cats = st.categories[k];
            if (cats.empty()) fail(p + ".categories[" + std::to_string(k) + "]", "has no categories");
            for (size_t j = 0; j < cats.size(); ++j) {
              const std::string cj = p + ".categories[" + std::to_string(k) + "][" + std::to_string(j) + "]";
              if (!std::isfinite(cats[j])) fail(cj, "is not finite");
              if (j > 0 && !(cats[j] > cats[j - 1])) fail(cj, "categories must be distinct and ascending");
            }
          }
          break;
        }
        case StepKind::SelectColumns:
          if (st.columns.empty()) fail(p + ".columns", "selects no column");
          for (size_t k = 0; k < st.columns.size(); ++k)
            if (st.columns[k] < 0 || st.columns[k] >= st.inputs)
              fail(p + ".columns[" + std::to_string(k) + "]", "column " + std::to_string(st.columns[k]) +
                                                                  " out of range (the step has " +
                                                                  std::to_string(st.inputs) + " inputs)");
          break;
      }
      width = step_outputs(st);
      if (width > kMaxFeatures) fail(p, "gives " + std::to_string(width) + " columns, more than " + std::to_string(kMaxFeatures));
    }
    if (width != m_.num_features)
      fail("preprocessing.steps[" + std::to_string(m_.steps.size() - 1) + "]",
           "the last step gives " + std::to_string(width) + " columns but the estimator reads " +
               std::to_string(m_.num_features) + " features");
  }

  void check_tree(const Tree& tree, size_t t) {
    const std::string p = "trees[" + std::to_string(t) + "]";
    const int32_t n = tree.num_nodes();
    if (n < 1) fail(p + ".left_children", "tree has no nodes");
    auto check_size = [&](const char* name, size_t size, size_t expected) {
      if (size != expected)
        fail(p + "." + name, "has " + std::to_string(size) + " entries, expected " + std::to_string(expected));
    };
    check_size("right_children", tree.right_children.size(), n);
    check_size("split_features", tree.split_features.size(), n);
    check_size("comparisons", tree.split_kinds.size(), n);
    check_size("thresholds", tree.thresholds.size(), n);
    check_size("default_left", tree.default_left.size(), n);
    check_size("missing_rules", tree.missing_rules.size(), n);
    if (tree.leaf_size != 1 && tree.leaf_size != m_.num_outputs)
      fail(p + ".leaf_size", "leaf size " + std::to_string(tree.leaf_size) + " is neither 1 nor the " +
                                 std::to_string(m_.num_outputs) + " outputs");
    check_size("leaf_values", tree.leaf_values.size(), static_cast<size_t>(n) * tree.leaf_size);
    if (tree.leaf_size == 1 && (tree.output < 0 || tree.output >= m_.num_outputs))
      fail(p + ".output", "output " + std::to_string(tree.output) + " out of range (model has " +
                              std::to_string(m_.num_outputs) + " outputs)");
    if (!std::isfinite(tree.weight)) fail(p + ".weight", "is not finite");
    if (tree.categorical_nodes.size() != tree.category_sets.size())
      fail(p + ".category_sets", "has " + std::to_string(tree.category_sets.size()) + " sets for " +
                                     std::to_string(tree.categorical_nodes.size()) + " categorical nodes");

    // Every node must be reached exactly once from the root: this rules out cycles,
    // shared subtrees and orphans in one pass.
    std::vector<uint8_t> seen(n, 0);
    std::vector<int32_t> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
      int32_t i = stack.back();
      stack.pop_back();
      int32_t l = tree.left_children[i], r = tree.right_children[i];
      const std::string node = "[" + std::to_string(i) + "]";
      if (l == -1) {
        if (r != -1) fail(p + ".right_children" + node, "leaf (left child -1) has right child " + std::to_string(r));
        continue;
      }
      for (auto [child, name] : {std::pair{l, "left_children"}, std::pair{r, "right_children"}}) {
        if (child < 0 || child >= n)
          fail(p + "." + name + node, "child " + std::to_string(child) + " out of range (tree has " +
                                          std::to_string(n) + " nodes)");
        if (child == 0 || seen[child])
          fail(p + "." + name + node, "child " + std::to_string(child) +
                                          " is reached twice (the tree has a cycle or a shared node)");
        seen[child] = 1;
        stack.push_back(child);
      }
      int32_t f = tree.split_features[i];
      if (f < 0 || f >= m_.num_features)
        fail(p + ".split_features" + node, "feature " + std::to_string(f) + " out of range (model has " +
                                               std::to_string(m_.num_features) + " features)");
      if (tree.split_kinds[i] != SplitKind::Categorical) {
        double thr = tree.thresholds[i];
        if (std::isnan(thr)) fail(p + ".thresholds" + node, "threshold is NaN");
        if (m_.ensemble.threshold_precision == Precision::Float32 &&
            static_cast<double>(static_cast<float>(thr)) != thr)
          fail(p + ".thresholds" + node, "threshold is not a float32 value");
      }
    }
    for (int32_t i = 0; i < n; ++i)
      if (!seen[i]) fail(p + ".left_children", "node " + std::to_string(i) + " is not reachable from the root");

    std::vector<uint8_t> has_set(n, 0);
    for (size_t k = 0; k < tree.categorical_nodes.size(); ++k) {
      int32_t node = tree.categorical_nodes[k];
      const std::string kp = p + ".categorical_nodes[" + std::to_string(k) + "]";
      if (node < 0 || node >= n) fail(kp, "node " + std::to_string(node) + " out of range (tree has " + std::to_string(n) + " nodes)");
      if (tree.is_leaf(node)) fail(kp, "node " + std::to_string(node) + " is a leaf");
      if (tree.split_kinds[node] != SplitKind::Categorical) fail(kp, "node " + std::to_string(node) + " is not a categorical split");
      if (has_set[node]) fail(kp, "node " + std::to_string(node) + " listed twice");
      has_set[node] = 1;
      const auto& set = tree.category_sets[k];
      for (size_t j = 0; j < set.size(); ++j) {
        if (j > 0 && set[j] <= set[j - 1])
          fail(p + ".category_sets[" + std::to_string(k) + "][" + std::to_string(j) + "]", "categories not sorted and unique");
        if (set[j] >= m_.ensemble.category_rule.limit)
          fail(p + ".category_sets[" + std::to_string(k) + "][" + std::to_string(j) + "]",
               "category " + std::to_string(set[j]) + " beyond the category limit");
      }
    }
    for (int32_t i = 0; i < n; ++i)
      if (!tree.is_leaf(i) && tree.split_kinds[i] == SplitKind::Categorical && !has_set[i])
        fail(p + ".comparisons[" + std::to_string(i) + "]", "categorical node is not in categorical_nodes");
    if (tree.has_linear_leaves() || !tree.linear_constants.empty() || !tree.linear_features.empty() ||
        !tree.linear_coefficients.empty())
      check_linear_leaves(tree, p);
  }

  void check_linear_leaves(const Tree& tree, const std::string& p) {
    const int32_t n = tree.num_nodes();
    if (tree.leaf_size != 1) fail(p + ".linear_leaves", "linear leaves need scalar leaves (leaf_size 1)");
    if (tree.linear_constants.size() != static_cast<size_t>(n))
      fail(p + ".linear_leaves.constants", "has " + std::to_string(tree.linear_constants.size()) + " entries, expected " +
                                               std::to_string(n));
    if (tree.linear_offsets.size() != static_cast<size_t>(n) + 1)
      fail(p + ".linear_leaves.offsets", "has " + std::to_string(tree.linear_offsets.size()) + " entries, expected " +
                                             std::to_string(n + 1));
    if (tree.linear_features.size() != tree.linear_coefficients.size())
      fail(p + ".linear_leaves.coefficients", "has " + std::to_string(tree.linear_coefficients.size()) +
                                                 " entries for " + std::to_string(tree.linear_features.size()) +
                                                 " features");
    if (tree.linear_offsets[0] != 0) fail(p + ".linear_leaves.offsets[0]", "must be 0");
    for (int32_t i = 0; i < n; ++i) {
      const std::string node = "[" + std::to_string(i + 1) + "]";
      const int32_t begin = tree.linear_offsets[i], end = tree.linear_offsets[i + 1];
      if (end < begin || static_cast<size_t>(end) > tree.linear_features.size())
        fail(p + ".linear_leaves.offsets" + node, "offset " + std::to_string(end) + " out of order or past the " +
                                                      std::to_string(tree.linear_features.size()) + " terms");
      if (!tree.is_leaf(i) && end != begin)
        fail(p + ".linear_leaves.offsets" + node, "internal node " + std::to_string(i) + " has linear terms");
      if (!std::isfinite(tree.linear_constants[i]))
        fail(p + ".linear_leaves.constants[" + std::to_string(i) + "]", "is not finite");
    }
    if (static_cast<size_t>(tree.linear_offsets[n]) != tree.linear_features.size())
      fail(p + ".linear_leaves.offsets[" + std::to_string(n) + "]",
           "last offset " + std::to_string(tree.linear_offsets[n]) + " is not the " +
               std::to_string(tree.linear_features.size()) + " terms");
    for (size_t k = 0; k < tree.linear_features.size(); ++k) {
      if (tree.linear_features[k] < 0 || tree.linear_features[k] >= m_.num_features)
        fail(p + ".linear_leaves.features[" + std::to_string(k) + "]",
             "feature " + std::to_string(tree.linear_features[k]) + " out of range (model has " +
                 std::to_string(m_.num_features) + " features)");
      if (!std::isfinite(tree.linear_coefficients[k]))
        fail(p + ".linear_leaves.coefficients[" + std::to_string(k) + "]", "is not finite");
    }
  }

  void check_linear() {
    const LinearModel& lin = m_.linear;
    if (lin.num_outputs != m_.num_outputs)
      fail("linear.num_outputs", std::to_string(lin.num_outputs) + " outputs, model has " + std::to_string(m_.num_outputs));
    size_t expected = static_cast<size_t>(m_.num_features) * lin.num_outputs;
    if (lin.weights.size() != expected)
      fail("linear.weights", "has " + std::to_string(lin.weights.size()) + " values, expected " + std::to_string(expected) +
                                 " (" + std::to_string(m_.num_features) + " features x " + std::to_string(lin.num_outputs) + " outputs)");
    if (lin.bias.size() != static_cast<size_t>(lin.num_outputs))
      fail("linear.bias", "has " + std::to_string(lin.bias.size()) + " values for " + std::to_string(lin.num_outputs) + " outputs");
  }

  const Model& m_;
  const std::string& where_;
};

}  // namespace

void validate(const Model& model, const std::string& where) { Checker(model, where).run(); }

}  // namespace xylem::ir
