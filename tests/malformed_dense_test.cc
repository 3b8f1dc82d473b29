// Malformed networks, linear models and preprocessing steps in xylem JSON: every
// error names the file and the JSON path, and a shape mismatch names both shapes.
#include <gtest/gtest.h>

#include "formats/xylem_json.h"
#include "tests/ir_builders.h"
#include "tests/malformed_support.h"

namespace xylem::malformed {
namespace {

// Inputs (a, b, c) -> impute -> one-hot c in {0, 1} -> scale -> network 4 -> 3 relu -> 2, softmax.
std::string pipeline_network() {
  ir::Model m = testing::model_of({}, 4, 2);
  m.task = ir::Task::MulticlassClassification;
  m.output.transform = ir::Transform::Softmax;
  m.has_network = true;
  ir::DenseLayer hidden;
  hidden.inputs = 4;
  hidden.outputs = 3;
  hidden.activation = ir::Activation::Relu;
  hidden.weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  hidden.bias = {0.5, -0.5, 0};
  ir::DenseLayer last;
  last.inputs = 3;
  last.outputs = 2;
  last.weights = {1, -1, 2, -2, 3, -3};
  last.bias = {0, 0};
  m.network.layers = {hidden, last};
  ir::Step impute;
  impute.kind = ir::StepKind::ImputeConstant;
  impute.inputs = 3;
  impute.values = {0, 0, 1};
  ir::Step onehot;
  onehot.kind = ir::StepKind::OneHot;
  onehot.inputs = 3;
  onehot.columns = {2};
  onehot.categories = {{0, 1}};
  ir::Step scale;
  scale.kind = ir::StepKind::StandardScale;
  scale.inputs = 4;
  scale.offsets = {1, 2, 0, 0};
  scale.scales = {2, 4, 1, 1};
  m.steps = {impute, onehot, scale};
  m.input_names = {"a", "b", "c"};
  return formats::write_xylem_json(m);
}

const std::string& base() {
  static const std::string text = pipeline_network();
  return text;
}

TEST(MalformedDense, TheBaseLoadsAndPredicts) {
  const Model model = Model::load_from_memory(base(), "n.json");
  EXPECT_EQ(model.num_features(), 3);
  EXPECT_EQ(model.engine().rfind("steps+dense/", 0), 0u) << model.engine();
  const double row[3] = {1, 2, 1};
  double out[2];
  model.predict(row, 1, out);
  EXPECT_NEAR(out[0] + out[1], 1.0, 1e-6);
}

TEST(MalformedDense, LayerShapes) {
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 0, "layers"}, "5"), "n.json",
                            "n.json: network.layers[0].inputs: layer takes 5 inputs but the model has 4 features"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 1, "layers"}, "4"), "n.json",
                            "n.json: network.layers[1].inputs: layer takes 4 inputs but layer 0 has 3 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"outputs", 1, "layers"}, "3"), "n.json",
                            "n.json: network.layers[1].weights: has 6 values, expected 3 x 3 (inputs x outputs) = 9"));
  EXPECT_TRUE(fails_exactly(drop_last(base(), At{"bias", 1, "layers"}), "n.json",
                            "n.json: network.layers[1].bias: has 1 values for 2 outputs"));
  EXPECT_TRUE(fails_exactly(drop_last(base(), At{"weights", 0, "layers"}), "n.json",
                            "n.json: network.layers[0].weights: has 11 values, expected 4 x 3 (inputs x outputs) = 12"));
  // One output fewer everywhere in the last layer: then the model's output count disagrees.
  std::string one_output = set_value(base(), At{"outputs", 1, "layers"}, "1");
  one_output = set_value(one_output, At{"bias", 1, "layers"}, "[0]");
  one_output = set_value(one_output, At{"weights", 1, "layers"}, "[1, 2, 3]");
  EXPECT_TRUE(fails_exactly(one_output, "n.json",
                            "n.json: network.layers[1].outputs: the last layer has 1 outputs but the model has 2"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"layers"}, "[]"), "n.json",
                            "n.json: network.layers: a network needs at least one layer"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 0, "layers"}, "0"), "n.json",
                            "n.json: network.layers[0].inputs: value 0 out of range [1, 16777216]"));
}

TEST(MalformedDense, LayerValues) {
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"activation", 0, "layers"}, "\"swish\""), "n.json",
                            "n.json: network.layers[0].activation: unknown value \"swish\" (expected identity, relu, "
                            "leaky_relu, tanh, logistic, softmax or gelu)"));
  EXPECT_TRUE(fails_exactly(set_element(base(), At{"weights", 0, "layers"}, 2, "\"x\""), "n.json",
                            "n.json: network.layers[0].weights[2]: expected a number, found string"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"precision", 0, "network"}, "\"float16\""), "n.json",
                            "n.json: network.precision: unknown value \"float16\" (expected float32 or float64)"));
  // The network computes in output.accumulation's precision.
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"precision", 0, "network"}, "\"float64\""), "n.json",
                            "n.json: output.accumulation: is float32 but the network computes in float64"));
  EXPECT_TRUE(fails_exactly(set_element(base(), At{"base_scores"}, 1, "0.5"), "n.json",
                            "n.json: output.base_scores[1]: must be 0 for a network (put it in the last layer's bias)"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"scale"}, "2"), "n.json", "n.json: output.scale: must be 1 for a network"));
}

TEST(MalformedDense, NetworkExcludesTreesAndLinear) {
  const std::string with_linear = replace_once(
      base(), "\"network\":", "\"linear\": {\"num_outputs\": 2, \"input_precision\": \"float32\", \"bias\": [0, 0], "
                              "\"weights\": [0, 0, 0, 0, 0, 0, 0, 0]},\n  \"network\":");
  EXPECT_TRUE(fails_exactly(with_linear, "n.json", "n.json: network: a model with a network has no linear part"));
  EXPECT_TRUE(fails_with(set_value(base(), At{"version"}, "1"), "n.json", {"network", "needs format version 2"}));
}

TEST(MalformedDense, Int8Layers) {
  const std::string int8 = replace_once(base(), "\"weights\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]",
                                        "\"int8\": {\"scales\": [0.5, 0.25, 1], \"values\": [1, 2, 3, 4, 5, 6, 7, 8, "
                                        "9, 10, 11, 12]}");
  EXPECT_NO_THROW(Model::load_from_memory(int8, "n.json"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "[1, 2, 3, 4, 5, 6, 7, 8, 9", "[1, 2, 3, 4, 128, 6, 7, 8, 9"), "n.json",
                            "n.json: network.layers[0].int8.values[4]: value 128 out of range [-127, 127]"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "[1, 2, 3, 4, 5, 6, 7, 8, 9", "[1, 2, 3, 4, 6, 7, 8, 9"), "n.json",
                            "n.json: network.layers[0].int8.values: has 11 values, expected 3 x 4 (outputs x inputs) = 12"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "[0.5, 0.25, 1]", "[0.5, 0, 1]"), "n.json",
                            "n.json: network.layers[0].int8.scales[1]: must be a positive finite number"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "[0.5, 0.25, 1]", "[0.5, 0.25]"), "n.json",
                            "n.json: network.layers[0].int8.scales: has 2 scales for 3 outputs"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "\"scales\": [0.5, 0.25, 1]", "\"scales\": [0.5, 0.25, 1], \"input_scale\": -1"),
                            "n.json", "n.json: network.layers[0].int8.input_scale: must be a positive finite number"));
  EXPECT_TRUE(fails_exactly(replace_once(int8, "\"int8\":", "\"weights\": [], \"int8\":"), "n.json",
                            "n.json: network.layers[0].weights: a layer has either weights or int8, not both"));
  // An unsigned input range only after an activation with no negative outputs.
  EXPECT_TRUE(fails_exactly(replace_once(int8, "\"scales\": [0.5, 0.25, 1]", "\"scales\": [0.5, 0.25, 1], \"unsigned_input\": true"),
                            "n.json", "n.json: network.layers[0].int8.unsigned_input: needs a non-negative input: the "
                                      "previous layer's activation must be relu, logistic or softmax"));
}

TEST(MalformedDense, Steps) {
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 0, "steps"}, "4"), "n.json",
                            "n.json: preprocessing.input_names: has 3 names for 4 inputs"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 1, "steps"}, "4"), "n.json",
                            "n.json: preprocessing.steps[1].inputs: step takes 4 inputs but step 0 gives 3"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"inputs", 2, "steps"}, "5"), "n.json",
                            "n.json: preprocessing.steps[2].inputs: step takes 5 inputs but step 1 gives 4"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"kind", 0, "steps"}, "\"whiten\""), "n.json",
                            "n.json: preprocessing.steps[0].kind: unknown value \"whiten\" (expected standard_scale, "
                            "min_max_scale, max_abs_scale, impute_constant, one_hot, select_columns, shift_scale or "
                            "normalize)"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"kind", 0, "steps"}, "\"normalize\""), "n.json",
                            "n.json: preprocessing.steps[0]: missing required key \"norm\""));
  EXPECT_TRUE(fails_exactly(set_value(set_value(base(), At{"version"}, "2"), At{"kind", 0, "steps"}, "\"shift_scale\""),
                            "n.json", "n.json: preprocessing.steps[0].kind: step kind \"shift_scale\" needs format version 3 (the file says 2)"));
  EXPECT_TRUE(fails_exactly(set_element(base(), At{"scales", 0, "steps"}, 1, "0"), "n.json",
                            "n.json: preprocessing.steps[2].scales[1]: is 0 (a divisor)"));
  EXPECT_TRUE(fails_exactly(set_element(base(), At{"values", 0, "steps"}, 0, "\"nan\""), "n.json",
                            "n.json: preprocessing.steps[0].values[0]: is not finite"));
  EXPECT_TRUE(fails_exactly(drop_last(base(), At{"offsets", 0, "steps"}), "n.json",
                            "n.json: preprocessing.steps[2].offsets: has 3 values for 4 inputs"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"columns", 0, "steps"}, "[3]"), "n.json",
                            "n.json: preprocessing.steps[1].columns[0]: column 3 out of range (the step has 3 inputs)"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"categories", 0, "steps"}, "[[1, 0]]"), "n.json",
                            "n.json: preprocessing.steps[1].categories[0][1]: categories must be distinct and ascending"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"categories", 0, "steps"}, "[[0, 1, 2]]"), "n.json",
                            "n.json: preprocessing.steps[2].inputs: step takes 4 inputs but step 1 gives 5"));
  EXPECT_TRUE(fails_exactly(set_value(base(), At{"steps"}, "[]"), "n.json",
                            "n.json: preprocessing.steps: preprocessing needs at least one step (leave it out for none)"));
  // The estimator reads what the last step gives.
  const std::string select = replace_once(base(), "\"kind\": \"standard_scale\"", "\"kind\": \"select_columns\", \"columns\": [0, 1, 2]");
  EXPECT_TRUE(fails_exactly(select, "n.json",
                            "n.json: preprocessing.steps[2]: the last step gives 3 columns but the estimator reads 4 features"));
  EXPECT_TRUE(fails_exactly(replace_once(select, "[0, 1, 2]", "[0, 1, 2, 9]"), "n.json",
                            "n.json: preprocessing.steps[2].columns[3]: column 9 out of range (the step has 4 inputs)"));
  EXPECT_TRUE(fails_with(set_value(base(), At{"version"}, "1"), "n.json", {"needs format version 2"}));
}

TEST(MalformedDense, LinearMissingRule) {
  const std::string& gblinear = model_file("xgboost/2.1.4/gblinear_reg_squarederror/model.json");
  const std::string text = Model::load_from_memory(gblinear, "g.json").to_xylem_json();
  EXPECT_TRUE(fails_exactly(set_value(text, At{"missing"}, "\"zero\""), "g.json",
                            "g.json: linear.missing: expected \"skip\" or \"propagate\", found \"zero\""));
  EXPECT_TRUE(fails_exactly(set_value(set_value(text, At{"missing"}, "\"skip\""), At{"version"}, "1"), "g.json",
                            "g.json: linear.missing: needs format version 2 (the file says 1)"));
}

// Random damage to a pipeline network loads or fails cleanly.
TEST(MalformedDense, RandomEditsLoadOrFailCleanly) {
  const std::string& text = base();
  uint64_t state = 12345;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  const char* replacements[] = {"0", "-1", "1e9", "\"nan\"", "[]", "{}", "\"x\"", "2147483648", "0.5", "null"};
  for (int i = 0; i < 400; ++i) {
    std::string edited = text;
    size_t pos = next() % edited.size();
    while (pos < edited.size() && !(std::isdigit(static_cast<unsigned char>(edited[pos])))) ++pos;
    if (pos >= edited.size()) continue;
    size_t end = pos;
    while (end < edited.size() && (std::isdigit(static_cast<unsigned char>(edited[end])) || edited[end] == '.')) ++end;
    edited.replace(pos, end - pos, replacements[next() % 10]);
    ASSERT_TRUE(loads_or_fails_cleanly(edited, "n.json")) << "edit " << i;
  }
}

}  // namespace
}  // namespace xylem::malformed
