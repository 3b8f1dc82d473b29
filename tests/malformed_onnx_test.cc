// ONNX files that are broken, or hold what xylem does not run: each must fail with an
// error naming the node and the attribute (or the operator), never crash, hang or load
// into a model that predicts something else. Also the semantics that only hand-built
// graphs reach (equality on non-integers, cycles, DAG trees).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <random>

#include "tests/test_support.h"

namespace xylem::testing {
namespace {

onnx::AttributeProto* attr(onnx::NodeProto* n, const std::string& name) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  return a;
}
void ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void integer(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void floats(onnx::NodeProto* n, const std::string& name, std::vector<float> v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}
void strings(onnx::NodeProto* n, const std::string& name, std::vector<std::string> v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::STRINGS);
  for (auto& x : v) a->add_strings(x);
}
void str(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// A model with one float input X [N, width] and one output Y.
struct Graph {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit Graph(int width = 2, int inputs = 1) {
    m.set_ir_version(8);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(17);
    o = m.add_opset_import();
    o->set_domain("ai.onnx.ml");
    o->set_version(3);
    g = m.mutable_graph();
    for (int k = 0; k < inputs; ++k) {
      auto* in = g->add_input();
      in->set_name(k == 0 ? "X" : "X" + std::to_string(k));
      auto* t = in->mutable_type()->mutable_tensor_type();
      t->set_elem_type(1);
      t->mutable_shape()->add_dim()->set_dim_param("N");
      if (width > 0) t->mutable_shape()->add_dim()->set_dim_value(width);
      else t->mutable_shape()->add_dim()->set_dim_param("F");
    }
    g->add_output()->set_name("Y");
  }
  onnx::NodeProto* node(const std::string& op, const std::string& domain = "ai.onnx.ml") {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(op + "_node");
    n->set_domain(domain);
    n->add_input("X");
    n->add_output("Y");
    return n;
  }
  std::string bytes() const { return m.SerializeAsString(); }
};

struct TreeNode {
  int64_t id, feature;
  std::string mode;
  float value;
  int64_t yes, no;
  float weight;  // leaves
};

// One tree of tree 0's nodes, one target.
onnx::NodeProto* tree(Graph& g, const std::vector<TreeNode>& nodes) {
  auto* n = g.node("TreeEnsembleRegressor");
  std::vector<int64_t> tree_ids, ids, features, yes, no, leaf_ids;
  std::vector<std::string> modes;
  std::vector<float> values, weights;
  for (const TreeNode& t : nodes) {
    tree_ids.push_back(0);
    ids.push_back(t.id);
    features.push_back(t.feature);
    modes.push_back(t.mode);
    values.push_back(t.value);
    yes.push_back(t.yes);
    no.push_back(t.no);
    if (t.mode == "LEAF") {
      leaf_ids.push_back(t.id);
      weights.push_back(t.weight);
    }
  }
  ints(n, "nodes_treeids", tree_ids);
  ints(n, "nodes_nodeids", ids);
  ints(n, "nodes_featureids", features);
  strings(n, "nodes_modes", modes);
  floats(n, "nodes_values", values);
  ints(n, "nodes_truenodeids", yes);
  ints(n, "nodes_falsenodeids", no);
  ints(n, "target_treeids", std::vector<int64_t>(leaf_ids.size(), 0));
  ints(n, "target_nodeids", leaf_ids);
  ints(n, "target_ids", std::vector<int64_t>(leaf_ids.size(), 0));
  floats(n, "target_weights", weights);
  integer(n, "n_targets", 1);
  return n;
}

// x0 <= 0.5 ? 1 : (x1 MODE second ? 2 : 3), nodes 0 (root), 1 (leaf), 2, 3, 4.
onnx::NodeProto* regressor(Graph& g, const std::string& mode = "BRANCH_LEQ", float second = 2.0f) {
  return tree(g, {{0, 0, "BRANCH_LEQ", 0.5f, 1, 2, 0}, {1, 0, "LEAF", 0, 0, 0, 1}, {2, 1, mode, second, 3, 4, 0},
                  {3, 0, "LEAF", 0, 0, 0, 2}, {4, 0, "LEAF", 0, 0, 0, 3}});
}

void replace_ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  for (auto& a : *n->mutable_attribute())
    if (a.name() == name) {
      a.clear_ints();
      for (int64_t x : v) a.add_ints(x);
    }
}

std::string load_error(const std::string& bytes) {
  try {
    Model::load_from_memory(bytes, "m.onnx");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& bytes, std::vector<std::string> parts) {
  const std::string e = load_error(bytes);
  ASSERT_FALSE(e.empty()) << "loaded; expected an error containing " << parts[0];
  for (const std::string& p : parts) EXPECT_NE(e.find(p), std::string::npos) << "error: " << e << "\nmissing: " << p;
}

std::vector<double> predict(const std::string& bytes, const std::vector<double>& rows, LoadOptions options = {}) {
  Model m = Model::load_from_memory(bytes, "m.onnx", options);
  std::vector<double> out(rows.size() / m.num_features() * m.output_width());
  m.predict(rows.data(), rows.size() / m.num_features(), out.data());
  return out;
}

TEST(MalformedOnnx, AValidTreeLoadsAndPredicts) {
  Graph g;
  regressor(g);
  EXPECT_EQ(predict(g.bytes(), {0.5, 0, 0.6, 2, 0.6, 2.5}), (std::vector<double>{1, 2, 3}));
}

TEST(MalformedOnnx, TruncatedAndGarbageFilesAreRefused) {
  Graph g;
  regressor(g);
  const std::string bytes = g.bytes();
  expect_error(bytes.substr(0, bytes.size() / 2), {"m.onnx", "not a valid ONNX file"});
  expect_error(std::string("\x08\x07garbage\xff\xff\xff", 12), {"m.onnx"});
  Graph empty;
  empty.m.clear_graph();
  expect_error(empty.bytes(), {"has no graph"});
}

TEST(MalformedOnnx, UnknownOperatorIsNamedWithItsNode) {
  Graph g;
  g.node("SVMClassifier");
  expect_error(g.bytes(), {"node 0 'SVMClassifier_node' (SVMClassifier)", "operator ai.onnx.ml.SVMClassifier is not supported"});
  Graph custom;
  custom.node("Magic", "com.example");
  expect_error(custom.bytes(), {"(Magic)", "operator domain 'com.example' is not supported"});
}

TEST(MalformedOnnx, GraphInputsMustBeOneTableOfKnownWidth) {
  Graph two(2, 2);
  regressor(two);
  expect_error(two.bytes(), {"the graph has 2 inputs"});
  Graph unknown(0);
  regressor(unknown);
  expect_error(unknown.bytes(), {"known number of features"});
}

TEST(MalformedOnnx, TreeAttributesAreChecked) {
  {
    Graph g;
    auto* n = regressor(g);
    replace_ints(n, "nodes_truenodeids", {1, 0, 7, 0, 0});
    expect_error(g.bytes(), {"(TreeEnsembleRegressor)", "attribute nodes_truenodeids", "points at node 7"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    replace_ints(n, "nodes_featureids", {0, 0, 5, 0, 0});
    expect_error(g.bytes(), {"attribute nodes_featureids", "value 5 out of range [0, 2)"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    replace_ints(n, "nodes_nodeids", {0, 1, 2, 3});
    expect_error(g.bytes(), {"attribute nodes_nodeids", "has 4 values, nodes_treeids has 5"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    replace_ints(n, "target_nodeids", {1, 3, 2});
    expect_error(g.bytes(), {"attribute target_nodeids", "is on a branch node"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    replace_ints(n, "target_nodeids", {1, 3, 3});
    expect_error(g.bytes(), {"a leaf has two weights for target 0"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    str(n, "aggregate_function", "MAX");
    expect_error(g.bytes(), {"attribute aggregate_function", "MAX is not supported"});
  }
  {
    Graph g;
    auto* n = regressor(g);
    str(n, "post_transform", "CUBE");
    expect_error(g.bytes(), {"attribute post_transform", "unknown transform \"CUBE\""});
  }
  {
    Graph g;
    auto* n = regressor(g);
    for (auto& a : *n->mutable_attribute())
      if (a.name() == "nodes_modes") a.set_strings(2, "BRANCH_SOMETIMES");
    expect_error(g.bytes(), {"attribute nodes_modes", "unknown mode \"BRANCH_SOMETIMES\""});
  }
}

TEST(MalformedOnnx, CyclesAreRefusedNotFollowed) {
  Graph root_cycle;  // node 2's true branch is the root
  tree(root_cycle, {{0, 0, "BRANCH_LEQ", 0.5f, 1, 2, 0}, {1, 0, "LEAF", 0, 0, 0, 1}, {2, 1, "BRANCH_LEQ", 2, 0, 4, 0},
                    {4, 0, "LEAF", 0, 0, 0, 3}});
  expect_error(root_cycle.bytes(), {"has no root (a cycle)"});
  Graph inner;  // node 2 is its own true branch
  tree(inner, {{0, 0, "BRANCH_LEQ", 0.5f, 1, 2, 0}, {1, 0, "LEAF", 0, 0, 0, 1}, {2, 1, "BRANCH_LEQ", 2, 2, 4, 0},
               {4, 0, "LEAF", 0, 0, 0, 3}});
  expect_error(inner.bytes(), {"a tree has a cycle"});
  Graph two_roots;
  tree(two_roots, {{0, 0, "BRANCH_LEQ", 0.5f, 1, 3, 0}, {1, 0, "LEAF", 0, 0, 0, 1}, {2, 0, "LEAF", 0, 0, 0, 1},
                   {3, 0, "LEAF", 0, 0, 0, 1}});
  expect_error(two_roots.bytes(), {"tree 0 has more than one root"});
}

// ONNX Runtime's rules for equality on values that are not integers: two comparisons,
// NaN true for NEQ, and for EQ only with missing_value_tracks_true.
TEST(MalformedOnnx, EqualityOnFractionsAndNaN) {
  const double nan = std::nan("");
  for (const char* mode : {"BRANCH_EQ", "BRANCH_NEQ"}) {
    Graph g;
    regressor(g, mode, 2.5f);
    const bool eq = std::string(mode) == "BRANCH_EQ";
    const std::vector<double> rows = {0.6, 2.5, 0.6, 2.4999, 0.6, 2.5001, 0.6, nan, 0.6, 2.0};
    const std::vector<double> got = predict(g.bytes(), rows);
    EXPECT_EQ(got, (std::vector<double>{eq ? 2.0 : 3.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0}))
        << mode;
    LoadOptions reference;
    reference.engine = "reference";
    EXPECT_EQ(predict(g.bytes(), rows, reference), got) << mode;
  }
  for (const char* mode : {"BRANCH_EQ", "BRANCH_NEQ"}) {  // integer values: a category set, the same answers
    Graph g;
    regressor(g, mode, 2.0f);
    const bool eq = std::string(mode) == "BRANCH_EQ";
    EXPECT_EQ(predict(g.bytes(), {0.6, 2.0, 0.6, 2.5, 0.6, nan, 0.6, -2.0, 0.6, 1e10}),
              (std::vector<double>{eq ? 2.0 : 3.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0, eq ? 3.0 : 2.0}))
        << mode;
  }
}

// A tree whose two branches share a subtree (onnxmltools writes these) is unfolded.
TEST(MalformedOnnx, SharedSubtreesAreUnfolded) {
  Graph g;  // the root's true branch is node 2's true leaf
  tree(g, {{0, 0, "BRANCH_LEQ", 0.5f, 3, 2, 0}, {2, 1, "BRANCH_LEQ", 2, 3, 4, 0}, {3, 0, "LEAF", 0, 0, 0, 2},
           {4, 0, "LEAF", 0, 0, 0, 3}});
  EXPECT_EQ(predict(g.bytes(), {0.5, 0, 0.6, 2, 0.6, 2.5}), (std::vector<double>{2, 2, 3}));
}

TEST(MalformedOnnx, BinaryClassesScoredOnSomeLeavesOnlyAreRefused) {
  Graph g;
  auto* n = g.node("TreeEnsembleClassifier");
  n->add_output("P");
  n->set_output(0, "label");
  n->set_output(1, "Y");
  ints(n, "nodes_treeids", {0, 0, 0});
  ints(n, "nodes_nodeids", {0, 1, 2});
  ints(n, "nodes_featureids", {0, 0, 0});
  strings(n, "nodes_modes", {"BRANCH_LEQ", "LEAF", "LEAF"});
  floats(n, "nodes_values", {0.5f, 0, 0});
  ints(n, "nodes_truenodeids", {1, 0, 0});
  ints(n, "nodes_falsenodeids", {2, 0, 0});
  ints(n, "class_treeids", {0, 0});
  ints(n, "class_nodeids", {1, 2});
  ints(n, "class_ids", {0, 1});  // class 0 on one leaf, class 1 on the other
  floats(n, "class_weights", {0.5f, 0.5f});
  ints(n, "classlabels_int64s", {0, 1});
  expect_error(g.bytes(), {"class 0 has weights on some leaves only"});
}

TEST(MalformedOnnx, DenseChainsAreChecked) {
  Graph g(3);
  auto* mm = g.node("MatMul", "");
  mm->add_input("W");
  auto* w = g.g->add_initializer();
  w->set_name("W");
  w->set_data_type(1);
  w->add_dims(2);
  w->add_dims(2);
  for (float x : {1.f, 2.f, 3.f, 4.f}) w->add_float_data(x);
  expect_error(g.bytes(), {"(MatMul)", "the weight matrix has 2 inputs but the rows have 3"});
  w->set_dims(0, 3);
  expect_error(g.bytes(), {"initializer 'W'", "has 4 values for its shape (6)"});
  Graph relu(2);
  relu.node("Relu", "");
  expect_error(relu.bytes(), {"(Relu)", "does not follow a dense layer"});
}

// String tensors (skl2onnx's class labels) are read, but never computed with.
TEST(MalformedOnnx, StringTensorsAreNotNumbers) {
  Graph g(2);
  auto* mm = g.node("MatMul", "");
  mm->add_input("W");
  auto* w = g.g->add_initializer();
  w->set_name("W");
  w->set_data_type(8);
  w->add_dims(2);
  w->add_dims(1);
  w->add_string_data("cat");
  w->add_string_data("dog");
  expect_error(g.bytes(), {"(MatMul)", "reads the string tensor 'W' as numbers"});
  w->add_string_data("emu");
  expect_error(g.bytes(), {"initializer 'W'", "has 3 values for its shape (2)"});
}

// Random byte edits of a real converted model: each load either fails with an error or
// gives a model that predicts (never a crash or a hang; ASan and UBSan watch).
TEST(MalformedOnnx, RandomByteEditsNeverCrash) {
  const std::string original = read_file(models_dir() + "/onnx/1.32.0/lightgbm_categorical/model.onnx");
  std::mt19937 rng(6);
  int loaded = 0, refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      Model m = Model::load_from_memory(bytes, "edited.onnx");
      std::vector<double> row(static_cast<size_t>(m.num_features()), 0.5), out(m.output_width());
      m.predict(row.data(), 1, out.data());
      ++loaded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(loaded + refused, 300);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace xylem::testing
