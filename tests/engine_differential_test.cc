// Randomized differential test: every compiled engine (tree_nodes, tree_array on each
// instruction set this CPU runs, quantized or not) must predict bit for bit what the
// reference predictor predicts, on random valid models that use every rule the
// compiled engines implement and on inputs aimed at every edge of those rules.
//
// Deterministic: fixed seeds, a private generator (no std distributions, whose output
// differs between standard libraries). A failure names the seed, the engine and the
// call; generate_model(seed) rebuilds the model (write_xylem_json to look at it).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/compiled/tree_array_engine.h"
#include "engine/ir/validate.h"
#include "formats/xylem_json.h"
#include "kernels/cpu_features.h"
#include "kernels/tree_array_kernels.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using ir::MissingRule;
using ir::Precision;
using ir::SplitKind;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using compiled::kMaxArrayDepth;
using compiled::kMaxPadding;

// ---------------------------------------------------------------------------
// Random numbers: mt19937_64 (fully specified by the standard) with our own mappings
// to ranges, so the stream is the same with every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed * 0x9E3779B97F4A7C15ULL + 12345) {}
  uint64_t bits() { return gen_(); }
  int uniform(int lo, int hi) { return lo + static_cast<int>(gen_() % static_cast<uint64_t>(hi - lo + 1)); }
  double real() { return static_cast<double>(gen_() >> 11) * 0x1p-53; }
  double real(double lo, double hi) { return lo + (hi - lo) * real(); }
  bool chance(double p) { return real() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[gen_() % v.size()];
  }

 private:
  std::mt19937_64 gen_;
};

// ---------------------------------------------------------------------------
// The generator.

enum class Role { Plain, ZeroOnly, MixedZero, Categorical };

// What the model is made to exercise (style = seed % kStyles). Array and Array2 stay
// within what tree_array runs; Categorical, MixedZero and MixedLeafSizes each add
// something only tree_nodes runs; Deep adds trees deeper than kMaxArrayDepth, which
// tree_array walks unpadded (or, in older versions, leaves to tree_nodes).
enum class Style { Array, Array2, Categorical, MixedZero, Deep, MixedLeafSizes };
constexpr int kStyles = 6;

struct Generated {
  ir::Model model;
  Style style;
  std::vector<Role> roles;
  std::vector<std::vector<double>> thresholds;  // per feature, the values its splits use
  // Worked out from the generated trees, independently of the engines.
  bool has_categorical = false, has_mixed_zero = false, has_deep = false, has_mixed_leaf_sizes = false;
  bool has_unbalanced = false, has_bushy = false;
  bool has_walked_and_padded = false;  // with has_unbalanced: a tree of depth <= 6 too
  bool all_padded = true;  // every tree of depth <= 12 and 2^depth <= kMaxPadding x leaves (tree_array pads them all)
  int max_depth = 0;
  // What tree_array cannot run. Trees deeper than kMaxArrayDepth it may refuse (as
  // "depth N") or walk unpadded: either is right.
  bool array_must_refuse() const { return has_categorical || has_mixed_zero || has_mixed_leaf_sizes; }
};

float next_float(float x, float toward) { return std::nextafter(x, toward); }

// Thresholds a feature's splits choose from: a few random values plus the edges
// (zeros, LightGBM's 1e-35f, infinities, float32 range limits, subnormals).
std::vector<double> threshold_pool(Rng& rng, Precision precision) {
  const bool f32 = precision == Precision::Float32;
  std::vector<double> special = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 0.5,
                                 static_cast<double>(1e-35f),
                                 -static_cast<double>(1e-35f),
                                 static_cast<double>(next_float(1e-35f, 1.0f)),
                                 static_cast<double>(next_float(-1e-35f, -1.0f)),
                                 kInf,
                                 -kInf,
                                 static_cast<double>(FLT_MAX),
                                 -static_cast<double>(FLT_MAX),
                                 1e30f,
                                 static_cast<double>(std::numeric_limits<float>::denorm_min()),
                                 16777216.0,
                                 2147483648.0};
  if (!f32) {
    // Not float32 values: compared with float32 inputs they need the engines' rounding
    // of thresholds (largest float below), including overflow to infinity.
    for (double v : {0.1, -2.7182818284590451, std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0), 1e300, -1e300,
                     5e-324, -5e-324, 1e-35, std::nextafter(static_cast<double>(FLT_MAX), kInf),
                     std::nextafter(static_cast<double>(1e-35f), 0.0), 16777217.0})
      special.push_back(v);
  }
  std::vector<double> pool;
  const int n_random = rng.uniform(1, 6), n_special = rng.uniform(1, 4);
  for (int i = 0; i < n_random; ++i) {
    double v = rng.chance(0.3) ? rng.uniform(-8, 8) * 0.25 : rng.real(-3.0, 3.0);
    if (f32) v = static_cast<float>(v);
    pool.push_back(v);
  }
  for (int i = 0; i < n_special; ++i) pool.push_back(rng.pick(special));
  return pool;
}

// Values for the inputs of one feature: its thresholds, their float64 and float32
// neighbours, zeros and near-zeros, subnormals, infinities; category values for
// categorical features.
std::vector<double> input_pool(const std::vector<double>& thresholds, bool categorical, double limit) {
  std::vector<double> pool;
  for (double t : thresholds) {
    pool.push_back(t);
    pool.push_back(std::nextafter(t, kInf));
    pool.push_back(std::nextafter(t, -kInf));
    const float f = static_cast<float>(t);
    pool.push_back(f);
    pool.push_back(next_float(f, INFINITY));
    pool.push_back(next_float(f, -INFINITY));
  }
  const float tiny = 1e-35f;
  for (double v : {0.0, -0.0, static_cast<double>(tiny), -static_cast<double>(tiny),
                   static_cast<double>(next_float(tiny, 0.0f)), static_cast<double>(next_float(tiny, 1.0f)),
                   -static_cast<double>(next_float(tiny, 0.0f)), -static_cast<double>(next_float(tiny, 1.0f)),
                   std::nextafter(ir::kZeroThreshold, 0.0), std::nextafter(ir::kZeroThreshold, 1.0),
                   -std::nextafter(ir::kZeroThreshold, 0.0), 1e-35, -1e-35, 5e-324, -5e-324,
                   static_cast<double>(std::numeric_limits<float>::denorm_min()), kInf, -kInf,
                   static_cast<double>(FLT_MAX), std::nextafter(static_cast<double>(FLT_MAX), kInf), 1e300, -1e300,
                   1.0, -1.0})
    pool.push_back(v);
  if (categorical) {
    for (double v : {-1.0, -0.5, -0.9999, -1e-300, 0.5, 2.9, 3.0, 7.0, 39.5, 1e9, 2147483648.0, 2147483647.0,
                     16777216.0, 16777215.0, 16777217.0, 4294967296.0, 4294967295.0, limit, limit - 1, limit - 0.5,
                     std::nextafter(limit, 0.0)})
      pool.push_back(v);
    for (int c = 0; c < 12; ++c) pool.push_back(c);
  }
  return pool;
}

struct TreeBuilder {
  Rng& rng;
  const Generated& g;
  ir::Tree& tree;
  int budget;         // nodes left for side branches
  bool inf_leaves;    // the model may have infinite leaf values
  int leaf_size;
  int used_features;                  // splits use features [0, used_features)
  double p_leaf_base;                 // 0: side branches grow as deep as the budget allows
  std::vector<uint32_t> big_members;  // categories near the limit

  int32_t add_leaf() {
    const int32_t i = push();
    for (int k = 0; k < leaf_size; ++k) {
      double v;
      const double u = rng.real();
      if (inf_leaves && u < 0.02) v = rng.chance(0.5) ? kInf : -kInf;
      else if (u < 0.3) v = rng.uniform(-16, 16) * 0.125;
      else if (u < 0.35) v = rng.real(-1e6, 1e6);
      else v = rng.real(-1.0, 1.0);
      tree.leaf_values[static_cast<size_t>(i) * leaf_size + k] = v;
    }
    return i;
  }

  int32_t push() {
    const int32_t i = tree.num_nodes();
    tree.left_children.push_back(-1);
    tree.right_children.push_back(-1);
    tree.split_features.push_back(0);
    tree.split_kinds.push_back(SplitKind::LessEqual);
    tree.thresholds.push_back(0.0);
    tree.default_left.push_back(0);
    tree.missing_rules.push_back(MissingRule::NanToDefault);
    tree.leaf_values.resize(tree.leaf_values.size() + leaf_size, 0.0);
    return i;
  }

  // A subtree whose deepest leaf is at `target` when `spine` (else at most there).
  int32_t node(int level, int target, bool spine) {
    const double p_leaf = p_leaf_base + 0.12 * level * (p_leaf_base > 0);
    if (level >= target || (!spine && (budget <= 0 || rng.chance(p_leaf)))) return add_leaf();
    --budget;
    const int32_t i = push();
    const int32_t f = rng.uniform(0, used_features - 1);
    tree.split_features[i] = f;
    tree.default_left[i] = rng.chance(0.5);
    const Role role = g.roles[f];
    if (role == Role::Categorical) {
      tree.split_kinds[i] = SplitKind::Categorical;
      std::vector<uint32_t> set;
      const double limit = g.model.ensemble.category_rule.limit;
      for (uint32_t c = 0; c < 12 && c < limit; ++c)
        if (rng.chance(0.4)) set.push_back(c);
      if (rng.chance(0.3))
        for (uint32_t c : big_members)
          if (c < limit && (set.empty() || c > set.back())) set.push_back(c);
      tree.categorical_nodes.push_back(i);
      tree.category_sets.push_back(std::move(set));
    } else {
      tree.split_kinds[i] = rng.chance(0.5) ? SplitKind::Less : SplitKind::LessEqual;
      tree.thresholds[i] = rng.pick(g.thresholds[f]);
      // Infinite thresholds are where the engines' rewriting of `x < t` is most delicate
      // (x < -inf is never true, x <= +inf always for non-NaN): more of them.
      if (rng.chance(0.08)) tree.thresholds[i] = rng.chance(0.5) ? -kInf : kInf;
      switch (role) {
        case Role::Plain:
          tree.missing_rules[i] = rng.chance(0.7) ? MissingRule::NanToDefault : MissingRule::NanAsZero;
          break;
        case Role::ZeroOnly:
          tree.missing_rules[i] = MissingRule::ZeroAndNanToDefault;
          break;
        default:
          tree.missing_rules[i] = static_cast<MissingRule>(rng.uniform(0, 2));
          break;
      }
    }
    const bool spine_left = rng.chance(0.5);
    const int32_t l = node(level + 1, target, spine && spine_left);
    const int32_t r = node(level + 1, target, spine && !spine_left);
    tree.left_children[i] = l;
    tree.right_children[i] = r;
    return i;
  }
};

// Renumbers the nodes of a tree (the root stays 0): engines must not assume an order.
void shuffle_nodes(Rng& rng, ir::Tree& t) {
  const int32_t n = t.num_nodes();
  if (n < 3) return;
  std::vector<int32_t> order(n);  // new index -> old index
  std::iota(order.begin(), order.end(), 0);
  for (int32_t i = n - 1; i > 1; --i) std::swap(order[i], order[1 + rng.uniform(0, i - 1)]);
  std::vector<int32_t> new_of(n);
  for (int32_t i = 0; i < n; ++i) new_of[order[i]] = i;
  ir::Tree s = t;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t o = order[i];
    s.left_children[i] = t.left_children[o] < 0 ? -1 : new_of[t.left_children[o]];
    s.right_children[i] = t.right_children[o] < 0 ? -1 : new_of[t.right_children[o]];
    s.split_features[i] = t.split_features[o];
    s.split_kinds[i] = t.split_kinds[o];
    s.thresholds[i] = t.thresholds[o];
    s.default_left[i] = t.default_left[o];
    s.missing_rules[i] = t.missing_rules[o];
    for (int32_t k = 0; k < t.leaf_size; ++k)
      s.leaf_values[static_cast<size_t>(i) * t.leaf_size + k] = t.leaf_values[static_cast<size_t>(o) * t.leaf_size + k];
  }
  for (int32_t& c : s.categorical_nodes) c = new_of[c];
  t = std::move(s);
}

int depth_of(const ir::Tree& t, int32_t node = 0) {
  if (t.is_leaf(node)) return 0;
  return 1 + std::max(depth_of(t, t.left_children[node]), depth_of(t, t.right_children[node]));
}

// deep_depth > 0: the deep trees of Style::Deep models get that depth instead of 13 or 14.
Generated generate_model(uint64_t seed, int deep_depth = 0) {
  Rng rng(seed);
  Generated g;
  g.style = static_cast<Style>(seed % kStyles);
  ir::Model& m = g.model;
  m.source.library = "differential_test";
  m.num_features = rng.chance(0.1) ? rng.uniform(40, 200) : rng.uniform(1, 6);
  m.ensemble.input_precision = rng.chance(0.5) ? Precision::Float32 : Precision::Float64;
  m.ensemble.threshold_precision = rng.chance(0.5) ? Precision::Float32 : Precision::Float64;
  m.ensemble.tiny_inputs_are_zero = rng.chance(0.4);
  m.ensemble.categories_go_right = rng.chance(0.5);
  m.ensemble.category_rule.negative_fraction_is_zero = rng.chance(0.5);
  m.ensemble.category_rule.invalid_to_default = rng.chance(0.5);
  m.ensemble.category_rule.limit = rng.pick(std::vector<double>{16777216.0, 2147483648.0, 4294967296.0, 9.0, 40.0});

  // Feature roles. Only the first few features are used by splits in wide models.
  const int used = std::min(m.num_features, 6);
  g.roles.assign(m.num_features, Role::Plain);
  for (int f = 0; f < used; ++f) g.roles[f] = rng.chance(0.3) ? Role::ZeroOnly : Role::Plain;
  if (g.style == Style::Categorical) {
    for (int f = 0; f < used; ++f)
      if (rng.chance(0.4)) g.roles[f] = Role::Categorical;
    g.roles[rng.uniform(0, used - 1)] = Role::Categorical;
  }
  if (g.style == Style::MixedZero) g.roles[rng.uniform(0, used - 1)] = Role::MixedZero;
  m.feature_types.assign(m.num_features, ir::FeatureType::Numeric);
  g.thresholds.resize(m.num_features);
  for (int f = 0; f < m.num_features; ++f) {
    if (g.roles[f] == Role::Categorical) m.feature_types[f] = ir::FeatureType::Categorical;
    g.thresholds[f] = threshold_pool(rng, m.ensemble.threshold_precision);
  }

  // Outputs and how trees add to them.
  const int k_outputs = rng.chance(0.5) ? 1 : rng.uniform(2, 4);
  m.num_outputs = k_outputs;
  enum class Leaves { Scalar, Vector, Mixed } leaves = Leaves::Scalar;
  if (k_outputs > 1) {
    if (g.style == Style::MixedLeafSizes) leaves = Leaves::Mixed;
    else if (rng.chance(0.3)) leaves = Leaves::Vector;
  } else if (g.style == Style::MixedLeafSizes) {
    m.num_outputs = rng.uniform(2, 3);
    leaves = Leaves::Mixed;
  }
  const int K = m.num_outputs;
  int per_iteration = 1;
  if (leaves == Leaves::Scalar && K > 1) per_iteration = rng.chance(0.7) ? K : (rng.chance(0.5) ? 1 : 2 * K);
  else if (rng.chance(0.3)) per_iteration = 2;
  const int iterations = rng.uniform(1, std::max(1, 24 / per_iteration));
  m.ensemble.trees_per_iteration = per_iteration;
  const int num_trees = iterations * per_iteration;

  const bool dart = rng.chance(0.3);
  const bool inf_leaves = rng.chance(0.08);
  const std::vector<uint32_t> big_members = {16777215u, 2147483647u, 4294967295u};
  int deep_trees_left = g.style == Style::Deep ? rng.uniform(1, 2) : 0;
  // Half the tree_array models have only trees balanced enough to be padded (no tree
  // walked from compact nodes), so that the AVX2 gather kernels, which hand a forest
  // with any walked tree to the portable ones, run on them.
  const bool balanced = (g.style == Style::Array || g.style == Style::Array2) && rng.chance(0.5);
  for (int t = 0; t < num_trees; ++t) {
    ir::Tree tree;
    switch (leaves) {
      case Leaves::Scalar: tree.leaf_size = 1; break;
      case Leaves::Vector: tree.leaf_size = K; break;
      case Leaves::Mixed: tree.leaf_size = (t % 2 == 0) ? K : 1; break;
    }
    if (tree.leaf_size == 1) tree.output = per_iteration % K == 0 ? t % K : rng.uniform(0, K - 1);
    if (dart && rng.chance(0.7)) tree.weight = rng.pick(std::vector<double>{0.5, 1.0 / 3.0, 1.7, 0.1, -0.25});
    int target;
    if (deep_trees_left > 0 && (rng.chance(0.3) || t == num_trees - deep_trees_left)) {
      target = kMaxArrayDepth + rng.uniform(1, 2);
      if (deep_depth > 0) target = deep_depth;
      --deep_trees_left;
    } else {
      const double u = rng.real();
      target = u < 0.1 ? 0 : u < 0.4 ? rng.uniform(1, 3) : u < 0.9 ? rng.uniform(4, 8) : rng.uniform(9, kMaxArrayDepth);
    }
    double p_leaf_base = rng.pick(std::vector<double>{0.0, 0.2, 0.2, 0.45});
    int budget = target > 8 ? 40 : 70;
    if (balanced) {
      // Complete on the left until the budget runs out: 2^depth <= 16 x leaves.
      p_leaf_base = 0.0;
      target = std::min(target, 10);
      if (rng.chance(0.05)) {
        target = rng.uniform(11, kMaxArrayDepth);
        budget = 300;
      }
    }
    TreeBuilder b{rng, g, tree, budget, inf_leaves, tree.leaf_size, used, p_leaf_base, big_members};
    b.node(0, target, /*spine=*/true);
    if (rng.chance(0.5)) shuffle_nodes(rng, tree);
    m.ensemble.trees.push_back(std::move(tree));
  }
  if (g.style == Style::MixedZero) {
    // Make sure the mixed feature really mixes: one of its splits with the zero rule, one without.
    int f = 0;
    while (g.roles[f] != Role::MixedZero) ++f;
    for (ir::Tree& tree : m.ensemble.trees) {
      std::vector<int32_t> on_f;
      for (int32_t i = 0; i < tree.num_nodes(); ++i)
        if (!tree.is_leaf(i) && tree.split_features[i] == f) on_f.push_back(i);
      if (on_f.size() >= 2) {
        tree.missing_rules[on_f[0]] = MissingRule::ZeroAndNanToDefault;
        tree.missing_rules[on_f[1]] = rng.chance(0.5) ? MissingRule::NanToDefault : MissingRule::NanAsZero;
        break;
      }
    }
  }

  // Output stage.
  ir::OutputStage& o = m.output;
  o.accumulation = rng.chance(0.5) ? Precision::Float32 : Precision::Float64;
  o.transform_precision = rng.chance(0.5) ? Precision::Float32 : Precision::Float64;
  o.base_scores.resize(K);
  for (double& b : o.base_scores) b = rng.chance(0.3) ? 0.0 : rng.real(-2.0, 2.0);
  if (rng.chance(0.03)) o.base_scores[0] = rng.chance(0.5) ? kInf : -kInf;
  o.base_scores_first = rng.chance(0.6);
  if (rng.chance(0.3)) o.scale = rng.pick(std::vector<double>{0.5, -1.25, 3.0, 1e-3, 1.0 / 7.0});
  if (rng.chance(0.25)) {
    o.aggregation = ir::Aggregation::Average;
    o.margin_before_average = rng.chance(0.5);
  }
  if (K == 1) {
    o.transform = rng.pick(std::vector<ir::Transform>{ir::Transform::Identity, ir::Transform::Sigmoid,
                                                      ir::Transform::Sigmoid, ir::Transform::Exp,
                                                      ir::Transform::HingeClass, ir::Transform::SignedSquare,
                                                      ir::Transform::Softplus});
  } else {
    o.transform = rng.pick(std::vector<ir::Transform>{ir::Transform::Identity, ir::Transform::Softmax,
                                                      ir::Transform::Softmax, ir::Transform::Sigmoid,
                                                      ir::Transform::ArgMaxClass});
  }
  if (o.transform == ir::Transform::Sigmoid && rng.chance(0.3)) o.sigmoid_alpha = rng.chance(0.5) ? 0.5 : 2.0;

  // What the trees turned out to hold.
  std::vector<int> zero_rule(m.num_features, 0), other_rule(m.num_features, 0);
  for (const ir::Tree& tree : m.ensemble.trees) {
    const int d = depth_of(tree);
    const int leaves = (tree.num_nodes() + 1) / 2;
    g.max_depth = std::max(g.max_depth, d);
    g.has_unbalanced |= d >= 5 && (size_t{1} << std::min(d, 30)) > kMaxPadding * leaves;
    g.has_walked_and_padded |= d <= 6;
    g.has_bushy |= d >= 4 && d < 30 && 2 * leaves >= (1 << d);
    g.all_padded &= d <= kMaxArrayDepth && (size_t{1} << d) <= kMaxPadding * leaves;
    g.has_deep |= d > kMaxArrayDepth;
    g.has_mixed_leaf_sizes |= tree.leaf_size != m.ensemble.trees[0].leaf_size;
    for (int32_t i = 0; i < tree.num_nodes(); ++i) {
      if (tree.is_leaf(i)) continue;
      if (tree.split_kinds[i] == SplitKind::Categorical) {
        g.has_categorical = true;
        other_rule[tree.split_features[i]] = 1;
      } else if (tree.missing_rules[i] == MissingRule::ZeroAndNanToDefault) {
        zero_rule[tree.split_features[i]] = 1;
      } else {
        other_rule[tree.split_features[i]] = 1;
      }
    }
  }
  for (int f = 0; f < m.num_features; ++f) g.has_mixed_zero |= zero_rule[f] && other_rule[f];
  ir::validate(m, "seed " + std::to_string(seed));
  return g;
}

// ---------------------------------------------------------------------------
// Inputs.

constexpr size_t kRows = 1000;
constexpr size_t kNanFreeSpan = 384;  // rows [0,384) and [768,1000) have no NaN: whole blocks without
const std::vector<size_t> kBatches = {1, 3, 7, 8, 9, 31, 64, 257, 1000};

std::vector<double> make_rows(Rng& rng, const Generated& g) {
  const ir::Model& m = g.model;
  const size_t nf = m.num_features;
  std::vector<std::vector<double>> pools(nf);
  for (size_t f = 0; f < nf; ++f)
    pools[f] = input_pool(g.thresholds[f], g.roles[f] == Role::Categorical, m.ensemble.category_rule.limit);
  std::vector<double> rows(kRows * nf);
  for (size_t r = 0; r < kRows; ++r) {
    const bool nan_ok = (r / kNanFreeSpan) % 2 == 1;
    for (size_t f = 0; f < nf; ++f) {
      double v;
      const double u = rng.real();
      if (nan_ok && u < 0.08) v = kNaN;
      else if (u < 0.7) v = rng.pick(pools[f]);
      else if (g.roles[f] == Role::Categorical) v = rng.uniform(-2, 14);
      else v = rng.real(-4.0, 4.0);
      rows[r * nf + f] = v;
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Running and comparing.

struct Variant {
  std::string engine, isa;
  bool quantize = false;
  std::string label() const { return engine + "/" + isa + (quantize ? "/quantized" : ""); }
};

std::vector<Variant> variants() {
  std::vector<Variant> v = {{"reference", "auto", false}, {"tree_nodes", "auto", false}};
  for (const std::string& isa : cpu_isas()) {
    v.push_back({"tree_array", isa, false});
    v.push_back({"tree_array", isa, true});
  }
  return v;
}

std::optional<Model> load_variant(const std::string& json, const Variant& v, std::string* refusal) {
  LoadOptions options;
  options.engine = v.engine;
  options.isa = v.isa;
  options.quantize = v.quantize;
  try {
    return Model::load_from_memory(json, "generated.json", options);
  } catch (const Error& e) {
    *refusal = e.what();
    if (refusal->find("engine cannot run this model") == std::string::npos) throw;
    return std::nullopt;
  }
}

struct Call {
  bool f32_api;
  size_t batch, offset;
  PredictOptions options;
};

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x == y;
}

std::string row_text(const double* row, size_t nf) {
  std::ostringstream s;
  s.precision(17);
  for (size_t f = 0; f < std::min<size_t>(nf, 8); ++f) s << (f ? ", " : "") << row[f];
  if (nf > 8) s << ", ...";
  return s.str();
}

void predict(const Model& model, const Call& c, const std::vector<double>& rows, const std::vector<float>& rows32,
             std::vector<double>& out) {
  const size_t nf = model.num_features();
  out.assign(c.batch * model.output_width(c.options.margin), -12345.0);
  if (c.f32_api) model.predict(rows32.data() + c.offset * nf, c.batch, out.data(), c.options);
  else model.predict(rows.data() + c.offset * nf, c.batch, out.data(), c.options);
}

struct Tally {
  std::map<std::string, int> ran, refused;  // per engine variant
  std::map<std::string, int> refusal_reasons;
  std::map<std::string, int> coverage;       // models that had each feature
  int models = 0;
  long long compared_values = 0;
};

void count_coverage(const Generated& g, Tally& tally) {
  const ir::Model& m = g.model;
  auto& c = tally.coverage;
  c[m.ensemble.input_precision == Precision::Float32 ? "input f32" : "input f64"]++;
  c[m.ensemble.threshold_precision == Precision::Float32 ? "thresholds f32" : "thresholds f64"]++;
  c[m.output.accumulation == Precision::Float32 ? "accumulation f32" : "accumulation f64"]++;
  c[std::string("transform ") + ir::to_string(m.output.transform)]++;
  if (m.ensemble.tiny_inputs_are_zero) c["tiny_inputs_are_zero"]++;
  if (m.ensemble.trees_per_iteration > 1) c["trees_per_iteration > 1"]++;
  if (m.num_outputs > 1) c["multiple outputs"]++;
  if (m.output.aggregation == ir::Aggregation::Average)
    c[m.output.margin_before_average ? "average, margin before" : "average, margin after"]++;
  if (!m.output.base_scores_first) c["base scores last"]++;
  if (m.output.scale != 1.0) c["scale != 1"]++;
  if (g.has_categorical) {
    c[m.ensemble.categories_go_right ? "categories go right" : "categories go left"]++;
    const ir::CategoryRule& r = m.ensemble.category_rule;
    c[r.negative_fraction_is_zero ? "category -0.5 is 0" : "category -0.5 invalid"]++;
    c[r.invalid_to_default ? "invalid category to default" : "invalid category to non-members"]++;
    if (r.limit < 100) c["small category limit"]++;
  }
  if (g.has_mixed_zero) c["mixed zero-as-missing feature"]++;
  if (g.has_deep) c["tree deeper than 12"]++;
  if (g.max_depth == kMaxArrayDepth) c["tree of depth exactly 12"]++;
  if (g.has_mixed_leaf_sizes) c["scalar and vector leaves"]++;
  if (g.has_unbalanced) c["unbalanced tree (2^depth > kMaxPadding x leaves)"]++;
  if (g.has_bushy) c["bushy tree (depth >= 4, half the leaves of a complete one)"]++;
  if (m.num_features > 30) c["wide rows"]++;
  bool less = false, less_equal = false, zero_only = false, nan_as_zero = false, minus_inf_less = false,
       plus_inf_le = false, weights = false, vector = false, single_leaf = false, default_left = false,
       default_right = false;
  for (const ir::Tree& t : m.ensemble.trees) {
    weights |= t.weight != 1.0;
    vector |= t.leaf_size > 1;
    single_leaf |= t.num_nodes() == 1;
    for (int32_t i = 0; i < t.num_nodes(); ++i) {
      if (t.is_leaf(i) || t.split_kinds[i] == SplitKind::Categorical) continue;
      (t.default_left[i] ? default_left : default_right) = true;
      const bool lt = t.split_kinds[i] == SplitKind::Less;
      (lt ? less : less_equal) = true;
      minus_inf_less |= lt && t.thresholds[i] == -kInf;
      plus_inf_le |= !lt && t.thresholds[i] == kInf;
      nan_as_zero |= t.missing_rules[i] == MissingRule::NanAsZero;
      zero_only |= t.missing_rules[i] == MissingRule::ZeroAndNanToDefault && !g.has_mixed_zero;
    }
  }
  if (less && less_equal) c["Less and LessEqual in one model"]++;
  if (minus_inf_less) c["x < -inf"]++;
  if (plus_inf_le) c["x <= +inf"]++;
  if (nan_as_zero) c["NanAsZero"]++;
  if (zero_only) c["feature with only ZeroAndNanToDefault"]++;
  if (weights) c["DART weights"]++;
  if (vector) c["vector leaves"]++;
  if (single_leaf) c["single-leaf tree"]++;
  if (default_left && default_right) c["default left and right"]++;
}

// Loads the model with every variant and checks each against the reference.
void check_model(uint64_t seed, Tally& tally, int deep_depth = 0) {
  const Generated g = generate_model(seed, deep_depth);
  const ir::Model& m = g.model;
  count_coverage(g, tally);
  ++tally.models;
  const std::string json = formats::write_xylem_json(m);
  Rng rng(seed ^ 0xD1B54A32D192ED03ULL);
  const std::vector<double> rows = make_rows(rng, g);
  const std::vector<float> rows32(rows.begin(), rows.end());
  const size_t nf = m.num_features;
  const int iterations = static_cast<int>(m.ensemble.trees.size()) / m.ensemble.trees_per_iteration;

  // The calls every variant makes: each batch size through both APIs, random margin
  // and iteration count and a random place in the rows (NaN-free blocks or not); the
  // batches big enough to be split also with 3 threads.
  std::vector<Call> calls;
  for (size_t batch : kBatches)
    for (bool f32_api : {false, true})
      for (int threads : {1, 3}) {
        if (threads > 1 && batch < 128) continue;
        Call c{f32_api, batch, static_cast<size_t>(rng.uniform(0, static_cast<int>(kRows - batch))), {}};
        c.options.threads = threads;
        c.options.margin = rng.chance(0.5);
        const int u = rng.uniform(0, 3);
        c.options.num_iterations = u == 0 ? 0 : u == 1 ? 1 : u == 2 ? std::max(1, iterations / 2) : iterations;
        calls.push_back(c);
      }

  std::string refusal;
  const std::optional<Model> oracle = load_variant(json, {"reference", "auto", false}, &refusal);
  ASSERT_TRUE(oracle.has_value()) << "seed " << seed << ": " << refusal;
  std::vector<std::vector<double>> expected(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    Call single = calls[i];
    single.options.threads = 1;
    predict(*oracle, single, rows, rows32, expected[i]);
    if (single.batch >= 8) {
      const auto begin = rows.begin() + static_cast<std::ptrdiff_t>(single.offset * nf);
      const bool nan = std::any_of(begin, begin + static_cast<std::ptrdiff_t>(single.batch * nf),
                                   [](double x) { return std::isnan(x); });
      ++tally.coverage[nan ? "batch >= 8 with NaN" : "batch >= 8 without NaN"];
    }
  }

  bool array_ran = false;
  for (const Variant& v : variants()) {
    const std::optional<Model> model = load_variant(json, v, &refusal);
    const bool must_refuse = v.engine == "tree_array" && g.array_must_refuse();
    if (!model) {
      ++tally.refused[v.label()];
      if (v.engine == "tree_array" && !v.quantize && v.isa == "portable") {
        for (const char* reason : {"categorical splits", "depth", "mix zero-as-missing", "different leaf sizes"})
          if (refusal.find(reason) != std::string::npos) ++tally.refusal_reasons[reason];
      }
      const bool depth_refusal = v.engine == "tree_array" && g.has_deep && refusal.find("depth") != std::string::npos;
      EXPECT_TRUE(must_refuse || depth_refusal)
          << "seed " << seed << ": " << v.label() << " refused a model it should run: " << refusal;
      continue;
    }
    EXPECT_FALSE(must_refuse) << "seed " << seed << ": " << v.label() << " ran a model it should refuse ("
                              << (g.has_categorical ? "categorical " : "") << (g.has_mixed_zero ? "mixed-zero " : "")
                              << (g.has_mixed_leaf_sizes ? "mixed leaf sizes" : "") << "), as " << model->engine();
    ++tally.ran[v.label()];
    if (v.engine == "tree_array") {
      array_ran = true;
      if (g.has_deep && !v.quantize && v.isa == "portable") ++tally.coverage["tree_array ran a tree deeper than 12"];
      if (g.all_padded && v.isa == "avx2")
        ++tally.coverage[v.quantize ? "avx2 gathers, codes" : m.ensemble.input_precision == Precision::Float32
                                                                 ? "avx2 gathers, float32"
                                                                 : "avx2, float64 (portable template)"];
      const bool avx512_lanes = v.isa == "avx512" && (v.quantize || m.ensemble.input_precision == Precision::Float32);
      if (avx512_lanes && g.max_depth > 6 && g.all_padded)
        ++tally.coverage[v.quantize ? "avx512, codes, levels past the register table" : "avx512, float32, levels past the register table"];
      if (avx512_lanes && g.max_depth <= 6) ++tally.coverage["avx512, every level from the register table"];
      if (avx512_lanes && g.has_unbalanced && g.has_walked_and_padded && g.max_depth <= kMaxArrayDepth)
        ++tally.coverage["avx512, walked and padded trees in one forest"];
      if (avx512_lanes && g.has_unbalanced && !g.has_mixed_leaf_sizes && m.ensemble.trees[0].leaf_size == 1)
        ++tally.coverage["avx512, walked trees with a padded top"];
    }
    std::vector<double> got;
    for (size_t i = 0; i < calls.size(); ++i) {
      const Call& c = calls[i];
      predict(*model, c, rows, rows32, got);
      ASSERT_EQ(got.size(), expected[i].size());
      const size_t width = model->output_width(c.options.margin);
      tally.compared_values += static_cast<long long>(got.size());
      for (size_t j = 0; j < got.size(); ++j) {
        if (same_bits(got[j], expected[i][j])) continue;
        const size_t row = c.offset + j / width;
        std::vector<double> input(nf);
        for (size_t f = 0; f < nf; ++f) input[f] = c.f32_api ? rows32[row * nf + f] : rows[row * nf + f];
        ADD_FAILURE() << "seed " << seed << ", engine " << model->engine() << " (" << v.label() << "): "
                      << (c.f32_api ? "predict(float*)" : "predict(double*)") << " batch " << c.batch
                      << " offset " << c.offset << " threads " << c.options.threads
                      << (c.options.margin ? " margin" : "") << " num_iterations " << c.options.num_iterations
                      << ": row " << row << " output " << j % width << " is " << got[j] << ", reference "
                      << expected[i][j] << "; row: " << row_text(input.data(), nf);
        return;  // one report per model is enough
      }
    }
  }

  // The auto engine is the fastest that can run the model.
  const std::string chosen = Model::load_from_memory(json, "generated.json").engine();
  if (array_ran) EXPECT_EQ(chosen.rfind("tree_array/", 0), 0u) << "seed " << seed << ": auto chose " << chosen;
  else EXPECT_EQ(chosen, "tree_nodes") << "seed " << seed;
}

constexpr uint64_t kFirstSeed = 1;
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kModels = 120;  // sanitizers run ~10x slower; still every style many times
#else
constexpr uint64_t kModels = 300;
#endif

TEST(EngineDifferential, RandomModelsBitIdenticalToReference) {
  Tally tally;
  for (uint64_t seed = kFirstSeed; seed < kFirstSeed + kModels; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    check_model(seed, tally);
    if (::testing::Test::HasFatalFailure()) return;
  }

  std::cout << "[ models ] " << tally.models << " models, " << tally.compared_values << " values compared\n";
  for (const auto& [label, n] : tally.ran)
    std::cout << "[ ran    ] " << label << ": " << n << " (refused " << tally.refused[label] << ")\n";
  for (const auto& [reason, n] : tally.refusal_reasons) std::cout << "[ refusal] tree_array, " << reason << ": " << n << "\n";
  std::cout << "[ covers ]";
  for (const auto& [what, n] : tally.coverage) std::cout << " " << what << ": " << n << ";";
  std::cout << "\n";

  // The test must not pass vacuously: every engine ran many of the models, and every
  // reason for tree_array to hand a model over was met.
  const int n = tally.models;
  EXPECT_EQ(tally.ran["reference/auto"], n);
  EXPECT_EQ(tally.ran["tree_nodes/auto"], n);
  for (const std::string& isa : cpu_isas()) {
    EXPECT_GE(tally.ran["tree_array/" + isa], n / 4) << isa;
    EXPECT_GE(tally.ran["tree_array/" + isa + "/quantized"], n / 4) << isa;
    EXPECT_GE(tally.refused["tree_array/" + isa], n / 4) << isa;
  }
  for (const char* reason : {"categorical splits", "mix zero-as-missing", "different leaf sizes"})
    EXPECT_GE(tally.refusal_reasons[reason], n / 20) << reason;
  if (kernels::cpu_has_avx2()) {
    EXPECT_GE(tally.coverage["avx2 gathers, codes"], n / 20);
    EXPECT_GE(tally.coverage["avx2 gathers, float32"], n / 40);
  }
  if (kernels::cpu_has_avx512()) {
    for (const char* what : {"avx512, codes, levels past the register table", "avx512, float32, levels past the register table",
                             "avx512, every level from the register table", "avx512, walked and padded trees in one forest",
                             "avx512, walked trees with a padded top"})
      EXPECT_GE(tally.coverage[what], n / 40) << what;
  }
  for (const char* what :
       {"input f32", "input f64", "thresholds f32", "thresholds f64", "accumulation f32", "accumulation f64",
        "transform identity", "transform sigmoid", "transform softmax", "tiny_inputs_are_zero",
        "trees_per_iteration > 1", "multiple outputs", "average, margin before", "average, margin after",
        "base scores last", "scale != 1", "categories go right", "categories go left", "category -0.5 is 0",
        "category -0.5 invalid", "invalid category to default", "invalid category to non-members",
        "small category limit", "mixed zero-as-missing feature", "tree deeper than 12", "tree of depth exactly 12",
        "scalar and vector leaves", "wide rows", "Less and LessEqual in one model", "x < -inf", "x <= +inf",
        "NanAsZero", "feature with only ZeroAndNanToDefault", "DART weights", "vector leaves", "single-leaf tree",
        "default left and right", "batch >= 8 with NaN", "batch >= 8 without NaN", "unbalanced tree (2^depth > kMaxPadding x leaves)",
        "bushy tree (depth >= 4, half the leaves of a complete one)"})
    EXPECT_GE(tally.coverage[what], 2) << what;
}

// Much deeper trees (LightGBM's leaf-wise growth makes long thin ones): the Deep style
// with trees of depth 30 to 400 among ordinary ones.
TEST(EngineDifferential, VeryDeepTreesBitIdenticalToReference) {
  Tally tally;
  int deep_models = 0;
  for (uint64_t seed = 4; seed < 4 + 6 * 12; seed += kStyles) {  // seed % kStyles == Style::Deep
    ASSERT_EQ(generate_model(seed).style, Style::Deep);
    const int depth = std::vector<int>{30, 100, 400}[deep_models++ % 3];
    SCOPED_TRACE("seed " + std::to_string(seed) + ", depth " + std::to_string(depth));
    check_model(seed, tally, depth);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(tally.ran["tree_nodes/auto"], tally.models);
  EXPECT_GE(tally.coverage["tree deeper than 12"], tally.models);
}

// ---------------------------------------------------------------------------
// The AVX2 one-row kernel walks eight trees in the lanes of a register. A lane whose
// tree is shallower than the deepest of the eight must read no node past the end of
// the forest's node array (the engine's arrays end exactly there). Here the array
// ends at a page the process cannot read. The test fills the fields the kernel
// interface has; it does not compile if one it needs is gone.

template <typename Node, typename Forest, typename Block>
constexpr bool kKnownKernelInterface = requires(Node node, Forest forest, Block block) {
  node.threshold;
  node.feature;
  forest.depth;
  forest.node_begin;
  forest.leaf_begin;
  forest.output;
  forest.nodes;
  forest.leaves;
  forest.leaf_size;
  block.rows;
  block.num_rows;
  block.has_nan;
  block.acc;
  block.acc_stride;
};

template <typename Node, typename Forest, typename Block>
void avx2_one_row_past_the_forest(int32_t last_depth) {  // runs in the death-test child; exits 0 when right
  if constexpr (kKnownKernelInterface<Node, Forest, Block>) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    char* mem = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (mem == MAP_FAILED || mprotect(mem + page, page, PROT_NONE) != 0) std::_Exit(3);
    // Seven trees of depth 3 (7 nodes each), then one of depth last_depth (1 node for
    // depth 1, none for a single leaf), ending at the guard page.
    const size_t total = 7 * 7 + (last_depth == 1 ? 1 : 0);
    Node* nodes = reinterpret_cast<Node*>(mem + page) - total;
    for (size_t i = 0; i < total; ++i) {
      nodes[i].threshold = 0.5f;
      nodes[i].feature = 0;  // feature 0 (times any block size), NaN goes left
    }
    std::vector<uint8_t> nan_right(total + 3, 0);
    std::vector<int32_t> depth = {3, 3, 3, 3, 3, 3, 3, last_depth}, output(8, 0);
    std::vector<uint64_t> node_begin, leaf_begin;
    for (uint64_t t = 0; t < 8; ++t) {
      node_begin.push_back(t * 7);
      leaf_begin.push_back(t * 8);
    }
    std::vector<float> leaves(64, 1.0f);
    Forest forest{};
    forest.depth = depth.data();
    forest.node_begin = node_begin.data();
    forest.leaf_begin = leaf_begin.data();
    forest.output = output.data();
    forest.nodes = nodes;
    forest.leaves = leaves.data();
    forest.leaf_size = 1;
    if constexpr (requires { forest.nan_right; }) forest.nan_right = nan_right.data();
    // One row, value 0 (goes left everywhere): the last lane stops at node 1 of its
    // tree (or starts at node 0 of a tree with none), past the end, and must not read
    // it while the others go on.
    float row[2] = {0.0f, 0.0f};
    float acc = 0;
    Block block{};
    block.rows = row;
    block.num_rows = 1;
    if constexpr (requires { block.stride; }) block.stride = 1;
    block.has_nan = false;
    block.acc = &acc;
    block.acc_stride = 1;
    kernels::array_kernels_avx2().f32_f32(forest, 8, block);
    std::_Exit(acc == 8.0f ? 0 : 4);
  }
}

TEST(EngineKernels, Avx2OneRowReadsNoNodePastTheForest) {
  using Node = kernels::ArrayNode32;
  using Forest = kernels::ArrayForest<Node, float>;
  using Block = kernels::ArrayBlock<float, float>;
  if (!kernels::cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2";
  static_assert(kKnownKernelInterface<Node, Forest, Block>, "the kernel interface changed: update this test");
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT((avx2_one_row_past_the_forest<Node, Forest, Block>(1)), ::testing::ExitedWithCode(0), "") << "depth 1";
  EXPECT_EXIT((avx2_one_row_past_the_forest<Node, Forest, Block>(0)), ::testing::ExitedWithCode(0), "") << "single leaf";
}

// The AVX-512 kernel reads each tree's first 63 node slots with masked loads, node
// data with gathers, and whole 16-row columns of the block. Here the node, leaf and
// row arrays each end at a page the process cannot read; trees of depth 8 down to 0
// (the shallowest last, ending at the guard page) and 83 rows (groups of 64 and 16, then single rows) must read none of
// it, going all left and then all right.
template <typename T>
T* ending_at_a_guard_page(size_t count) {  // in the death-test child: never freed
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = (count * sizeof(T) + page - 1) / page * page;
  char* mem = static_cast<char*>(mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (mem == MAP_FAILED || mprotect(mem + bytes, page, PROT_NONE) != 0) std::_Exit(3);
  return reinterpret_cast<T*>(mem + bytes) - count;
}

void avx512_reads_nothing_past_its_arrays(float value) {  // runs in the death-test child; exits 0 when right
  using Node = kernels::ArrayNode32;
  constexpr int kTrees = 9;
  std::vector<int32_t> depth, output(kTrees, 0);
  std::vector<uint64_t> node_begin, leaf_begin;
  size_t nodes_total = 0, leaves_total = 0;
  for (int32_t d = kTrees - 1; d >= 0; --d) {
    depth.push_back(d);
    node_begin.push_back(nodes_total);
    leaf_begin.push_back(leaves_total);
    nodes_total += (size_t{1} << d) - 1;
    leaves_total += size_t{1} << d;
  }
  Node* nodes = ending_at_a_guard_page<Node>(nodes_total);
  for (size_t i = 0; i < nodes_total; ++i) {
    nodes[i].threshold = 0.5f;
    nodes[i].feature = 0;
  }
  uint8_t* nan_right = ending_at_a_guard_page<uint8_t>(nodes_total + 3);
  std::fill_n(nan_right, nodes_total + 3, 0);
  float* leaves = ending_at_a_guard_page<float>(leaves_total);
  std::fill_n(leaves, leaves_total, 1.0f);
  constexpr size_t kRows = 83;
  float* rows = ending_at_a_guard_page<float>(kRows + 2);  // the block's 2 spare values
  std::fill_n(rows, kRows + 2, value);
  std::vector<float> acc(kRows, 0.0f);
  kernels::ArrayForest<Node, float> forest{};
  forest.depth = depth.data();
  forest.node_begin = node_begin.data();
  forest.leaf_begin = leaf_begin.data();
  forest.output = output.data();
  forest.nodes = nodes;
  forest.nan_right = nan_right;
  forest.leaves = leaves;
  forest.leaf_size = 1;
  const kernels::ArrayBlock<float, float> block{rows, kRows, false, acc.data(), kRows};
  kernels::array_kernels_avx512().f32_f32(forest, kTrees, block);
  for (float a : acc)
    if (a != static_cast<float>(kTrees)) std::_Exit(4);
  std::_Exit(0);
}

TEST(EngineKernels, Avx512ReadsNothingPastItsArrays) {
  if (!kernels::cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(avx512_reads_nothing_past_its_arrays(0.0f), ::testing::ExitedWithCode(0), "") << "all left";
  EXPECT_EXIT(avx512_reads_nothing_past_its_arrays(1.0f), ::testing::ExitedWithCode(0), "") << "all right";
}

}  // namespace
}  // namespace xylem::testing
