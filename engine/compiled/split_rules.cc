#include "engine/compiled/split_rules.h"

#include <cmath>
#include <limits>

namespace xylem::compiled {

template <>
double largest_at_most<double>(double t, bool strict) {
  if (!strict || std::isnan(t)) return t;
  if (t == -std::numeric_limits<double>::infinity()) return std::numeric_limits<double>::quiet_NaN();
  return std::nextafter(t, -std::numeric_limits<double>::infinity());
}

template <>
float largest_at_most<float>(double t, bool strict) {
  if (std::isnan(t)) return std::numeric_limits<float>::quiet_NaN();
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  float f = static_cast<float>(t);  // nearest; one step down at most restores f <= t
  if (static_cast<double>(f) > t || (strict && static_cast<double>(f) == t)) {
    if (f == kMinusInf) return std::numeric_limits<float>::quiet_NaN();
    f = std::nextafter(f, kMinusInf);
  }
  return f;
}

bool nan_goes_left(const ir::Tree& tree, int32_t node) {
  if (tree.missing_rules[node] != ir::MissingRule::NanAsZero) return tree.default_left[node];
  const double t = tree.thresholds[node];
  return tree.split_kinds[node] == ir::SplitKind::Less ? 0.0 < t : 0.0 <= t;
}

std::vector<uint8_t> zero_is_missing_features(const ir::Model& model) {
  // 1: only zero-as-missing splits seen so far; 2: some other rule too.
  std::vector<uint8_t> seen(model.num_features, 0);
  for (const ir::Tree& tree : model.ensemble.trees)
    for (int32_t i = 0; i < tree.num_nodes(); ++i) {
      if (tree.is_leaf(i)) continue;
      uint8_t& s = seen[tree.split_features[i]];
      if (tree.split_kinds[i] == ir::SplitKind::Categorical) {  // categories must see the value itself
        s = 2;
        continue;
      }
      const bool zero = tree.missing_rules[i] == ir::MissingRule::ZeroAndNanToDefault;
      if (s == 0) s = zero ? 1 : 2;
      else if (s == 1 && !zero) s = 2;
    }
  for (uint8_t& s : seen) s = s == 1;
  return seen;
}

std::string unsupported_by_compiled(const ir::Model& model, bool generic) {
  if (model.has_network) return "a network (MLP)";
  if (model.has_linear) return model.linear.skip_missing ? "a linear booster (gblinear)" : "a linear model";
  const std::vector<uint8_t> zero_missing = zero_is_missing_features(model);
  for (const ir::Tree& tree : model.ensemble.trees) {
    if (tree.has_linear_leaves()) return "linear leaves (LightGBM linear_tree)";
    for (int32_t i = 0; i < tree.num_nodes(); ++i) {
      if (tree.is_leaf(i)) continue;
      if (tree.split_kinds[i] == ir::SplitKind::Categorical) {
        if (model.ensemble.category_rule.key == ir::CategoryKey::DecimalHash)
          return "categorical splits on hashed integer categories (CatBoost one-hot)";
        if (!generic) return "categorical splits";
      } else if (!generic && tree.missing_rules[i] == ir::MissingRule::ZeroAndNanToDefault &&
                 !zero_missing[tree.split_features[i]]) {
        return "a feature whose splits mix zero-as-missing with other missing-value rules";
      }
    }
  }
  return "";
}

int32_t tree_depth(const ir::Tree& tree) {
  if (tree.num_nodes() == 0) return 0;
  // Iterative: trees from files may be deep, and recursion must not overflow the stack.
  std::vector<std::pair<int32_t, int32_t>> stack = {{0, 0}};
  int32_t depth = 0;
  while (!stack.empty()) {
    auto [node, d] = stack.back();
    stack.pop_back();
    if (tree.is_leaf(node)) {
      depth = std::max(depth, d);
      continue;
    }
    stack.push_back({tree.left_children[node], d + 1});
    stack.push_back({tree.right_children[node], d + 1});
  }
  return depth;
}

}  // namespace xylem::compiled
