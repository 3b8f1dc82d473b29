// Malformed models: every broken file must fail to load with an xylem::Error that
// names the file given to load_from_memory and says where (JSON path, line:column or
// byte offset) and what is wrong. Never a crash, a hang, a huge allocation or another
// exception type.
//
// The inputs are real model files under models/ edited in one place: XGBoost JSON
// and UBJSON as XGBoost saved them, and xylem JSON converted from them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "tests/malformed_support.h"
#include "xylem/xylem.h"

namespace xylem {
namespace {

using namespace malformed;

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

std::string model_path(const std::string& version, const std::string& name, const std::string& file) {
  return std::string(XYLEM_MODELS_DIR) + "/xgboost/" + version + "/" + name + "/" + file;
}

const std::string& xgboost_file(const std::string& name, const std::string& file, const std::string& version = "3.2.0") {
  return model_file("xgboost/" + version + "/" + name + "/" + file);
}

// The XGBoost model converted to xylem JSON.
const std::string& xylem_file(const std::string& name, const std::string& version = "3.2.0") {
  static std::map<std::string, std::string> cache;
  const std::string path = model_path(version, name, "model.json");
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, Model::load(path).to_xylem_json()).first;
  return it->second;
}

// binary_logistic 3.2.0: 20 trees, 8 features; tree 0 has 31 nodes, node i has
// children 2i+1 and 2i+2 for i < 15 (a full tree of depth 4).
const std::string& bl_json() { return xgboost_file("binary_logistic", "model.json"); }
const std::string& bl_ubj() { return xgboost_file("binary_logistic", "model.ubj"); }
const std::string& bl_xylem() { return xylem_file("binary_logistic"); }
// early_stopping 3.2.0: 11 trees; tree 1 has 63 nodes, tree 3 has 57.
const std::string& es_json() { return xgboost_file("early_stopping", "model.json"); }
const std::string& es_ubj() { return xgboost_file("early_stopping", "model.ubj"); }
const std::string& es_xylem() { return xylem_file("early_stopping"); }
// categorical_partition 3.2.0: 5 features, 2 categorical; categorical splits.
const std::string& cp_json() { return xgboost_file("categorical_partition", "model.json"); }
const std::string& cp_xylem() { return xylem_file("categorical_partition"); }

// The JSON path prefix of XGBoost tree `t`.
std::string xgb_tree(int t) { return "learner.gradient_booster.model.trees[" + std::to_string(t) + "]"; }


// ---------------------------------------------------------------------------
// Editing XGBoost UBJSON in place
// ---------------------------------------------------------------------------

std::string be(uint64_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

uint64_t read_be(const std::string& s, size_t pos, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s.at(pos + i));
  return v;
}

// A key or string body as XGBoost writes it: 'L', a big-endian int64 length, the bytes.
std::string ubj_key(std::string_view k) { return "L" + be(k.size(), 8) + std::string(k); }

struct TypedArray {
  size_t count_offset;  // of the 8-byte count
  size_t data_offset;
  uint64_t count;
  int element_size;
};

// The `occurrence`-th typed array "[$<type>#L<count>" under key `key`.
TypedArray ubj_typed_array(const std::string& bytes, std::string_view key, char type, int occurrence = 0) {
  const std::string k = ubj_key(key);
  size_t pos = 0;
  for (int i = 0; i <= occurrence; ++i) {
    pos = bytes.find(k, i == 0 ? 0 : pos + 1);
    if (pos == std::string::npos) throw std::logic_error("UBJSON key not found: " + std::string(key));
  }
  size_t header = pos + k.size();
  if (bytes.compare(header, 5, std::string("[$") + type + "#L") != 0)
    throw std::logic_error("not a typed array of the expected type: " + std::string(key));
  TypedArray a;
  a.count_offset = header + 5;
  a.data_offset = header + 13;
  a.count = read_be(bytes, a.count_offset, 8);
  a.element_size = type == 'D' || type == 'L' ? 8 : type == 'l' || type == 'd' ? 4 : type == 'I' ? 2 : 1;
  return a;
}

// Overwrites element `index` of an int32 ('l') or float32 ('d') typed array.
std::string ubj_set_element(std::string bytes, std::string_view key, char type, int occurrence, size_t index,
                            uint64_t raw) {
  TypedArray a = ubj_typed_array(bytes, key, type, occurrence);
  if (index >= a.count) throw std::logic_error("index beyond the typed array");
  return bytes.replace(a.data_offset + index * a.element_size, a.element_size, be(raw, a.element_size));
}

// ---------------------------------------------------------------------------
// The unedited files load: every failure below comes from its one edit.
// ---------------------------------------------------------------------------

TEST(MalformedModel, UneditedModelsLoad) {
  for (const std::string* bytes : {&bl_json(), &bl_ubj(), &bl_xylem(), &es_json(), &es_ubj(), &es_xylem(), &cp_json(),
                                   &cp_xylem()})
    EXPECT_NO_THROW(Model::load_from_memory(*bytes, "m"));
  // The editing helpers change nothing when they write back what they read.
  const At lc{"left_children", 3};
  EXPECT_EQ(set_element(es_json(), lc, 17, get_element(es_json(), lc, 17)), es_json());
  EXPECT_EQ(set_value(bl_xylem(), At{"transform"}, get_value(bl_xylem(), At{"transform"})), bl_xylem());
  EXPECT_EQ(get_value(bl_json(), At{"num_feature", 0, "learner_model_param"}), "\"8\"");
  EXPECT_EQ(array_length(es_xylem(), At{"left_children", 3}), 57u);
  EXPECT_EQ(array_length(es_xylem(), At{"left_children", 1}), 63u);
  EXPECT_EQ(ubj_typed_array(es_ubj(), "left_children", 'l', 3).count, 57u);
  EXPECT_NO_THROW(Model::load_from_memory(drop_last(append(bl_xylem(), At{"thresholds"}, "1"), At{"thresholds"}), "m"));
}

// ---------------------------------------------------------------------------
// Not a model at all
// ---------------------------------------------------------------------------

TEST(MalformedModel, EmptyFile) {
  EXPECT_TRUE(fails_exactly("", "empty.json", "empty.json: the file is empty"));
  EXPECT_TRUE(fails_exactly(" \n\t\r\n ", "blank.json", "blank.json: the file is empty"));
  EXPECT_TRUE(fails_exactly("", "empty.ubj", "empty.ubj: the file is empty"));
  LoadOptions xylem_format;
  xylem_format.format = ModelFormat::Xylem;
  EXPECT_TRUE(fails_exactly("", "empty.json", "empty.json: the file is empty", xylem_format));
}

TEST(MalformedModel, NotJsonAtAll) {
  const std::string not_a_model =
      "not a model file xylem can read (expected a JSON or UBJSON object, a LightGBM text model or an ONNX protobuf; "
      "supported formats: xylem JSON, XGBoost JSON/UBJSON, LightGBM text or dump_model JSON, CatBoost JSON, ONNX)";
  EXPECT_TRUE(fails_exactly("f0,f1,f2\n1,2,3\n4,5,6\n", "data.csv", "data.csv: " + not_a_model));
  EXPECT_TRUE(fails_exactly("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image.png", "image.png: " + not_a_model));
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  EXPECT_TRUE(fails_exactly(all_bytes, "garbage.bin", "garbage.bin: " + not_a_model));
  EXPECT_TRUE(fails_exactly("[1, 2, 3]", "array.json", "array.json: " + not_a_model));
  EXPECT_TRUE(fails_exactly("\"model\"", "string.json", "string.json: " + not_a_model));
  EXPECT_TRUE(fails_exactly("<xml/>", "m.xml", "m.xml: " + not_a_model));
  // An object that is no model xylem knows.
  const std::string unrecognised =
      ": unrecognised model: a JSON object that is none of a xylem model (\"format\": \"xylem\"), an XGBoost model "
      "(\"learner\"), a LightGBM dump_model() (\"name\": \"tree\", \"tree_info\") or a CatBoost model "
      "(\"features_info\" and \"oblivious_trees\" or \"trees\")";
  EXPECT_TRUE(fails_exactly("{\"a\": 1}", "other.json", "other.json" + unrecognised));
  EXPECT_TRUE(fails_exactly("{\"format\": \"xylem2\"}", "other.json", "other.json" + unrecognised));
  EXPECT_TRUE(fails_exactly("{ }", "empty_object.json", "empty_object.json" + unrecognised));
  // Binary garbage that starts like JSON or like UBJSON.
  EXPECT_TRUE(fails_with(std::string("{\0\x01\x02\xff", 5), "g.json", {"g.json:1:2: expected a string key"}));
  EXPECT_TRUE(fails_with(std::string("{L\xff\xff\xff\xff\xff\xff\xff\xff", 10), "g.ubj", {"g.ubj: byte 10: negative length -1"}));
  EXPECT_TRUE(fails_with(std::string("{i\x05" "abcde" "\x01", 9), "g.ubj", {"g.ubj: byte 8: unknown UBJSON marker '\\x01'"}));
}

// "{}" followed by a newline is an empty JSON object, and should be reported as an
// unrecognised model like "{ }" is.
TEST(MalformedModel, EmptyJsonObjectWithNewlineIsNotMistakenForUbjson) {
  EXPECT_TRUE(fails_with("{}\n", "e.json", {"unrecognised model"}));
}

// ---------------------------------------------------------------------------
// Truncated files
// ---------------------------------------------------------------------------

TEST(MalformedModel, TruncatedXGBoostJson) {
  const std::string text = trim_end(bl_json());
  EXPECT_TRUE(fails_exactly(text.substr(0, 1), "bl.json", "bl.json:1:2: unexpected end of input inside an object"));
  EXPECT_TRUE(fails_exactly(text.substr(0, 2), "bl.json", "bl.json:1:3: unterminated string"));
  EXPECT_TRUE(fails_exactly(text.substr(0, 11), "bl.json", "bl.json:1:12: unexpected end of input (the file is truncated?)"));
  EXPECT_TRUE(fails_exactly(text.substr(0, text.size() - 1), "bl.json",
                            "bl.json:1:" + std::to_string(text.size()) + ": unexpected end of input inside an object"));
  for (size_t cut : {text.size() / 3, text.size() / 2, text.size() - 2, text.size() - 10}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::string unexpected;
    auto message = load_error(text.substr(0, cut), "bl.json", unexpected);
    ASSERT_TRUE(message) << unexpected;
    EXPECT_EQ(message->rfind("bl.json:1:", 0), 0u) << *message;
    EXPECT_TRUE(message->find("end of input") != std::string::npos || message->find("unterminated string") != std::string::npos)
        << *message;
  }
}

TEST(MalformedModel, TruncatedXGBoostUbjson) {
  const std::string& bytes = bl_ubj();
  // One byte, "{", cannot be told from JSON text; it is reported as such, still naming the file.
  EXPECT_TRUE(fails_exactly(bytes.substr(0, 1), "bl.ubj", "bl.ubj:1:2: unexpected end of input inside an object"));
  EXPECT_TRUE(fails_exactly(bytes.substr(0, 2), "bl.ubj", "bl.ubj: byte 2: unexpected end of input (the file is truncated?)"));
  EXPECT_TRUE(fails_exactly(bytes.substr(0, 12), "bl.ubj", "bl.ubj: byte 10: length 7 exceeds the 2 bytes left in the file"));
  EXPECT_TRUE(fails_exactly(bytes.substr(0, bytes.size() - 1), "bl.ubj",
                            "bl.ubj: byte " + std::to_string(bytes.size() - 1) +
                                ": unexpected end of input (the file is truncated?)"));
  // Cut inside the data of a typed array: its count no longer fits.
  TypedArray lc = ubj_typed_array(bytes, "left_children", 'l');
  EXPECT_TRUE(fails_exactly(bytes.substr(0, lc.data_offset + 10), "bl.ubj",
                            "bl.ubj: byte " + std::to_string(lc.data_offset) + ": length 31 exceeds the 10 bytes left in the file"));
  for (size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 2}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::string unexpected;
    auto message = load_error(bytes.substr(0, cut), "bl.ubj", unexpected);
    ASSERT_TRUE(message) << unexpected;
    EXPECT_EQ(message->rfind("bl.ubj: byte ", 0), 0u) << *message;
    EXPECT_TRUE(message->find("truncated") != std::string::npos || message->find("exceeds the") != std::string::npos)
        << *message;
  }
}

TEST(MalformedModel, TruncatedXylemJson) {
  const std::string text = trim_end(bl_xylem());
  EXPECT_TRUE(fails_exactly(text.substr(0, 1), "bl.xylem.json", "bl.xylem.json:1:2: unexpected end of input inside an object"));
  size_t lines = 1, column = 1;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '\n') {
      ++lines;
      column = 1;
    } else {
      ++column;
    }
  }
  EXPECT_TRUE(fails_exactly(text.substr(0, text.size() - 1), "bl.xylem.json",
                            "bl.xylem.json:" + std::to_string(lines) + ":" + std::to_string(column) +
                                ": unexpected end of input inside an object"));
  std::string unexpected;
  auto half = load_error(text.substr(0, text.size() / 2), "bl.xylem.json", unexpected);
  ASSERT_TRUE(half) << unexpected;
  EXPECT_EQ(half->rfind("bl.xylem.json:", 0), 0u);
  EXPECT_TRUE(half->find("end of input") != std::string::npos || half->find("unterminated string") != std::string::npos) << *half;
}

// Every prefix (sampled) of every kind of file is an error naming the file.
TEST(MalformedModel, EveryTruncationIsAnErrorNamingTheFile) {
  struct File {
    const std::string* bytes;
    const char* name;
  };
  const std::string old_json = xgboost_file("binary_logistic", "model.json", "1.7.6");
  const std::string old_ubj = xgboost_file("categorical_partition", "model.ubj", "2.1.4");
  const std::string gblinear = xgboost_file("gblinear_multi_softprob", "model.json");
  for (const File& f : {File{&bl_json(), "bl.json"}, File{&bl_ubj(), "bl.ubj"}, File{&bl_xylem(), "bl.xylem.json"},
                        File{&cp_xylem(), "cp.xylem.json"}, File{&old_json, "old.json"}, File{&old_ubj, "old.ubj"},
                        File{&gblinear, "gblinear.json"}}) {
    const std::string bytes = trim_end(*f.bytes);
    std::vector<size_t> cuts;
    for (size_t c = 1; c < std::min<size_t>(bytes.size(), 80); ++c) cuts.push_back(c);
    for (size_t c = 80; c < bytes.size(); c += std::max<size_t>(1, bytes.size() / 300)) cuts.push_back(c);
    for (size_t c = bytes.size() > 40 ? bytes.size() - 40 : 1; c < bytes.size(); ++c) cuts.push_back(c);
    int failures = 0;
    for (size_t cut : cuts) {
      std::string unexpected;
      auto message = load_error(std::string_view(bytes).substr(0, cut), f.name, unexpected);
      bool ok = message && message->rfind(std::string(f.name) + ":", 0) == 0;
      if (!ok && failures++ < 5)
        ADD_FAILURE() << f.name << " cut at " << cut << ": " << (message ? *message : unexpected);
    }
    EXPECT_EQ(failures, 0) << f.name;
  }
}

// Random single-byte damage: the load either succeeds (the byte did not matter) or
// fails with an xylem::Error naming the file; nothing else (run under ASan/UBSan).
TEST(MalformedModel, RandomByteDamageLoadsOrFailsCleanly) {
  std::mt19937 rng(20240611);
  const char interesting[] = {'\0', '"', '[', ']', '{', '}', ',', ':', '-', '9', 'e', '.', 'N', 'L', 'l', 'd', '$', '#',
                              '\x7f', '\x80', '\xff'};
  struct File {
    const std::string* bytes;
    const char* name;
  };
  for (const File& f : {File{&bl_json(), "bl.json"}, File{&bl_ubj(), "bl.ubj"}, File{&bl_xylem(), "bl.xylem.json"},
                        File{&cp_xylem(), "cp.xylem.json"}}) {
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
      std::string bytes = *f.bytes;
      size_t pos = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
      bytes[pos] = i % 2 ? interesting[rng() % sizeof interesting] : static_cast<char>(rng() & 0xff);
      auto result = loads_or_fails_cleanly(bytes, f.name);
      if (!result && failures++ < 5) ADD_FAILURE() << f.name << " byte " << pos << ": " << result.message();
    }
    EXPECT_EQ(failures, 0) << f.name;
  }
}

// Random edits of the tree arrays of a xylem model: validation must catch every
// structure the predictor cannot run, so a model that loads also predicts.
TEST(MalformedModel, RandomTreeEditsLoadOrFailCleanly) {
  std::mt19937 rng(7);
  struct Edit {
    const char* key;
    int lo, hi;
  };
  const Edit edits[] = {{"left_children", -3, 40}, {"right_children", -3, 40}, {"split_features", -2, 10},
                        {"default_left", -1, 2},   {"categorical_nodes", -1, 35}, {"output", -1, 2},
                        {"leaf_size", 0, 3}};
  for (const std::string* model : {&bl_xylem(), &cp_xylem()}) {
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
      std::string text = *model;
      const Edit& e = edits[rng() % std::size(edits)];
      const int tree = static_cast<int>(rng() % 3);
      const int value = std::uniform_int_distribution<int>(e.lo, e.hi)(rng);
      try {
        if (std::string(e.key) == "output" || std::string(e.key) == "leaf_size") {
          text = set_value(text, At{e.key, tree, "trees"}, std::to_string(value));
        } else {
          size_t n = array_length(text, At{e.key, tree});
          if (n == 0) continue;
          text = set_element(text, At{e.key, tree}, rng() % n, std::to_string(value));
        }
      } catch (const std::logic_error&) {
        continue;  // no such array in this model
      }
      auto result = loads_or_fails_cleanly(text, "edit.json");
      if (!result && failures++ < 5) ADD_FAILURE() << e.key << " of tree " << tree << " = " << value << ": " << result.message();
    }
    EXPECT_EQ(failures, 0);
  }
}

// ---------------------------------------------------------------------------
// XGBoost JSON / UBJSON
// ---------------------------------------------------------------------------

TEST(MalformedXGBoost, WrongTypes) {
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"left_children"}, "\"x\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".left_children: expected an array of integers, found string"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_feature", 0, "learner_model_param"}, "\"eight\""), "bl.json",
                            "bl.json: learner.learner_model_param.num_feature: expected an integer string, found \"eight\""));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_feature", 0, "learner_model_param"}, "8.5"), "bl.json",
                            "bl.json: learner.learner_model_param.num_feature: expected an integer, found 8.5"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_feature", 0, "learner_model_param"}, "[8]"), "bl.json",
                            "bl.json: learner.learner_model_param.num_feature: expected a string, found array"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_nodes"}, "\"31.0\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".tree_param.num_nodes: expected an integer string, found \"31.0\""));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"objective"}, "[]"), "bl.json",
                            "bl.json: learner.objective: expected an object, found array"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"name", 0, "objective"}, "1"), "bl.json",
                            "bl.json: learner.objective.name: expected a string, found number"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"trees"}, "{}"), "bl.json",
                            "bl.json: learner.gradient_booster.model.trees: expected an array, found object"));
  std::string numbers_for_trees = set_value(bl_json(), At{"trees"}, "[1, 2]");
  numbers_for_trees = set_value(numbers_for_trees, At{"num_trees"}, "\"2\"");
  numbers_for_trees = set_value(numbers_for_trees, At{"tree_info"}, "[0, 0]");
  EXPECT_TRUE(fails_exactly(numbers_for_trees, "bl.json",
                            "bl.json: learner.gradient_booster.model.trees: expected an array of values, found an array of numbers"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"split_conditions"}, 0, "\"abc\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".split_conditions[0]: expected a number, found string"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"left_children", 2}, 0, "1.5"), "bl.json",
                            "bl.json: " + xgb_tree(2) + ".left_children[0]: expected an integer, found 1.5"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"default_left"}, 4, "2"), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".default_left[4]: value 2 out of range [0, 1]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"learner"}, "7"), "bl.json",
                            "bl.json: learner: expected an object, found number"));
  // The same in UBJSON: a string where the typed array was.
  std::string ubj = bl_ubj();
  TypedArray lc = ubj_typed_array(ubj, "left_children", 'l');
  ubj.replace(lc.count_offset - 5, 13 + lc.count * 4, "S" + ubj_key("x"));
  EXPECT_TRUE(fails_exactly(ubj, "bl.ubj", "bl.ubj: " + xgb_tree(0) + ".left_children: expected an array of integers, found string"));
}

TEST(MalformedXGBoost, MissingKeys) {
  EXPECT_TRUE(fails_exactly(replace_once(bl_json(), "\"tree_info\"", "\"tree_infx\""), "bl.json",
                            "bl.json: learner.gradient_booster.model: missing required key \"tree_info\""));
  EXPECT_TRUE(fails_exactly(replace_once(bl_json(), "\"learner_model_param\"", "\"learner_model_parax\""), "bl.json",
                            "bl.json: learner: missing required key \"learner_model_param\""));
  std::string no_split_indices = bl_json();
  size_t pos = no_split_indices.find("\"split_indices\"");
  no_split_indices.replace(pos, 15, "\"split_indicex\"");
  EXPECT_TRUE(fails_exactly(no_split_indices, "bl.json", "bl.json: " + xgb_tree(0) + ": missing required key \"split_indices\""));
}

// The example: trees[3].left_children[17]: child 900 out of range (tree has N nodes).
TEST(MalformedXGBoost, ChildOutOfRange) {
  const std::string msg = xgb_tree(3) + ".left_children[17]: child 900 out of range (tree has 57 nodes)";
  EXPECT_TRUE(fails_exactly(set_element(es_json(), At{"left_children", 3}, 17, "900"), "es.json", "es.json: " + msg));
  EXPECT_TRUE(fails_exactly(ubj_set_element(es_ubj(), "left_children", 'l', 3, 17, 900), "es.ubj", "es.ubj: " + msg));
  EXPECT_TRUE(fails_exactly(set_element(es_json(), At{"right_children", 1}, 17, "63"), "es.json",
                            "es.json: " + xgb_tree(1) + ".right_children[17]: child 63 out of range (tree has 63 nodes)"));
  EXPECT_TRUE(fails_exactly(set_element(es_json(), At{"left_children", 3}, 17, "-5"), "es.json",
                            "es.json: " + xgb_tree(3) + ".left_children[17]: value -5 out of range [-1, 2147483647]"));
  EXPECT_TRUE(fails_exactly(set_element(es_json(), At{"left_children", 3}, 17, "4294967296"), "es.json",
                            "es.json: " + xgb_tree(3) + ".left_children[17]: value 4294967296 out of range [-1, 2147483647]"));
  EXPECT_TRUE(fails_exactly(ubj_set_element(es_ubj(), "right_children", 'l', 3, 0, 0x80000000u), "es.ubj",
                            "es.ubj: " + xgb_tree(3) + ".right_children[0]: value -2147483648 out of range [-1, 2147483647]"));
}

TEST(MalformedXGBoost, Cycles) {
  // Node 1 (child of the root) points back at the root.
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"left_children"}, 1, "0"), "bl.json",
                         {xgb_tree(0) + ".left_children[1]: child 0 is reached twice"}));
  // Node 3 points at its parent 1; node 1 at itself.
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"left_children"}, 3, "1"), "bl.json",
                         {xgb_tree(0) + ".left_children[3]: child 1 is reached twice", "cycle"}));
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"right_children"}, 1, "1"), "bl.json",
                         {xgb_tree(0) + ".right_children[1]: child 1 is reached twice", "cycle"}));
  EXPECT_TRUE(fails_with(ubj_set_element(bl_ubj(), "left_children", 'l', 0, 3, 1), "bl.ubj",
                         {xgb_tree(0) + ".left_children[3]: child 1 is reached twice"}));
  // The root as its own child.
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"right_children", 5}, 0, "0"), "bl.json",
                         {xgb_tree(5) + ".right_children[0]: child 0 is reached twice"}));
}

TEST(MalformedXGBoost, NodeReachedTwice) {
  // Node 1's right child is also its left child: 3.
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"right_children"}, 1, "3"), "bl.json",
                         {xgb_tree(0) + ".right_children[1]: child 3 is reached twice"}));
  // Node 2 takes node 3 (a child of node 1) as its right child.
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"right_children"}, 2, "3"), "bl.json",
                         {xgb_tree(0) + ".left_children[1]: child 3 is reached twice"}));
}

// The same message wording as validate(): a shared node is not a cycle.
TEST(MalformedXGBoost, SharedNodeIsNotCalledACycle) {
  EXPECT_TRUE(fails_with(set_element(bl_json(), At{"right_children"}, 1, "3"), "bl.json",
                         {xgb_tree(0) + ".right_children[1]: child 3 is reached twice", "shared"}));
}

TEST(MalformedXGBoost, SplitFeatureOutOfRange) {
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"split_indices"}, 0, "8"), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".split_indices[0]: feature 8 out of range (num_feature is 8)"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"split_indices", 4}, 2, "-1"), "bl.json",
                            "bl.json: " + xgb_tree(4) + ".split_indices[2]: feature -1 out of range (num_feature is 8)"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"split_indices"}, 0, "4294967296"), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".split_indices[0]: value 4294967296 out of range [-1, 4294967295]"));
  EXPECT_TRUE(fails_exactly(ubj_set_element(bl_ubj(), "split_indices", 'l', 0, 1, 1000), "bl.ubj",
                            "bl.ubj: " + xgb_tree(0) + ".split_indices[1]: feature 1000 out of range (num_feature is 8)"));
  // A leaf's split index is not used: anything is accepted there.
  EXPECT_NO_THROW(Model::load_from_memory(set_element(bl_json(), At{"split_indices"}, 30, "1000"), "bl.json"));
}

TEST(MalformedXGBoost, ArrayLengthMismatch) {
  EXPECT_TRUE(fails_exactly(drop_last(bl_json(), At{"split_conditions"}), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".split_conditions: has 30 entries, tree_param.num_nodes is 31"));
  EXPECT_TRUE(fails_exactly(drop_last(bl_json(), At{"left_children"}), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".left_children: has 30 entries, tree_param.num_nodes is 31"));
  EXPECT_TRUE(fails_exactly(append(bl_json(), At{"default_left", 1}, "0"), "bl.json",
                            "bl.json: " + xgb_tree(1) + ".default_left: has 28 entries, tree_param.num_nodes is 27"));
  EXPECT_TRUE(fails_exactly(drop_last(bl_json(), At{"split_type"}), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".split_type: has 30 entries, tree_param.num_nodes is 31"));
  EXPECT_TRUE(fails_exactly(drop_last(bl_json(), At{"tree_info"}), "bl.json",
                            "bl.json: learner.gradient_booster.model.tree_info: has 19 entries for 20 trees"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"feature_names"}, "[\"a\", \"b\"]"), "bl.json",
                            "bl.json: learner.feature_names: has 2 names for 8 features"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"feature_types"}, "[\"q\"]"), "bl.json",
                            "bl.json: learner.feature_types: has 1 types for 8 features"));
  // UBJSON: a typed array one element short (count and data both shortened).
  std::string ubj = bl_ubj();
  TypedArray sc = ubj_typed_array(ubj, "split_conditions", 'd');
  ubj.erase(sc.data_offset + (sc.count - 1) * 4, 4);
  ubj.replace(sc.count_offset, 8, be(sc.count - 1, 8));
  EXPECT_TRUE(fails_exactly(ubj, "bl.ubj", "bl.ubj: " + xgb_tree(0) + ".split_conditions: has 30 entries, tree_param.num_nodes is 31"));
  // DART: one weight short.
  const std::string& dart = xgboost_file("dart_binary_logistic", "model.json");
  EXPECT_TRUE(fails_exactly(drop_last(dart, At{"weight_drop"}), "dart.json",
                            "dart.json: learner.gradient_booster.weight_drop: has 19 weights for 20 trees"));
  // XGBoost 3.4 keeps the weights inside the tree model, for DART and for gbtree with dropout.
  for (const char* name : {"dart_binary_logistic", "gbtree_dropout_binary_logistic"}) {
    const std::string& v34 = xgboost_file(name, "model.json", "3.4.1");
    EXPECT_TRUE(fails_exactly(drop_last(v34, At{"weight_drop"}), "d.json",
                              "d.json: learner.gradient_booster.model.weight_drop: has 19 weights for 20 trees"));
    EXPECT_TRUE(fails_with(set_element(v34, At{"weight_drop"}, 2, "\"x\""), "d.json",
                           {"learner.gradient_booster.model.weight_drop"}));
  }
  // gblinear: one weight short.
  const std::string& linear = xgboost_file("gblinear_reg_squarederror", "model.json");
  EXPECT_TRUE(fails_exactly(drop_last(linear, At{"weights"}), "linear.json",
                            "linear.json: learner.gradient_booster.model.weights: has 8 values, expected 9 ((num_feature + 1) x 1 outputs)"));
}

TEST(MalformedXGBoost, TreeCounts) {
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_trees"}, "\"21\""), "bl.json",
                            "bl.json: learner.gradient_booster.model.gbtree_model_param.num_trees: declares 21 trees, the "
                            "model holds 20"));
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"tree_info"}, 0, "1"), "bl.json",
                            "bl.json: learner.gradient_booster.model.tree_info[0]: value 1 out of range [0, 0]"));
}

// num_trees written as a JSON number (parse_int_param accepts numbers) that does
// not match the trees: the error should say so.
TEST(MalformedXGBoost, NumericNumTreesMismatchIsReported) {
  EXPECT_NO_THROW(Model::load_from_memory(set_value(bl_json(), At{"num_trees"}, "20"), "bl.json"));
  EXPECT_TRUE(fails_with(set_value(bl_json(), At{"num_trees"}, "21"), "bl.json",
                         {"gbtree_model_param.num_trees: declares 21 trees, the model holds 20"}));
}

TEST(MalformedXGBoost, AbsurdSizes) {
  // num_nodes in range for an int32 but not what the arrays hold: no allocation, an error.
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_nodes"}, "\"2000000000\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".left_children: has 31 entries, tree_param.num_nodes is 2000000000"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_nodes"}, "\"99999999999\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".tree_param.num_nodes: value 99999999999 out of range [1, 2147483647]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_nodes"}, "\"0\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".tree_param.num_nodes: value 0 out of range [1, 2147483647]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_nodes"}, "\"-31\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".tree_param.num_nodes: value -31 out of range [1, 2147483647]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_class", 0, "learner_model_param"}, "\"1000000000\""), "bl.json",
                            "bl.json: learner.learner_model_param.num_class: value 1000000000 out of range [0, 1048576]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"num_feature", 0, "learner_model_param"}, "\"99999999999\""), "bl.json",
                            "bl.json: learner.learner_model_param.num_feature: value 99999999999 out of range [0, 16777216]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"size_leaf_vector"}, "\"5\""), "bl.json",
                            "bl.json: " + xgb_tree(0) + ".tree_param.size_leaf_vector: leaf vector of 5 values for 1 outputs"));
}

// A 30 KB file declaring two billion features.
TEST(MalformedXGBoost, AbsurdNumFeatureIsNotAllocated) {
  EXPECT_TRUE(fails_with(set_value(bl_json(), At{"num_feature", 0, "learner_model_param"}, "\"2000000000\""), "bl.json",
                         {"learner.learner_model_param.num_feature: value 2000000000 out of range [0, 16777216]"}));
}

TEST(MalformedXGBoost, UbjsonCountLargerThanTheFile) {
  const std::string& bytes = bl_ubj();
  TypedArray lc = ubj_typed_array(bytes, "left_children", 'l');
  const size_t after_count = lc.count_offset + 8;
  const std::string left = std::to_string(bytes.size() - after_count);
  std::string huge = bytes;
  huge.replace(lc.count_offset, 8, be(uint64_t{1} << 62, 8));
  EXPECT_TRUE(fails_exactly(huge, "bl.ubj", "bl.ubj: byte " + std::to_string(after_count) +
                                                ": length 4611686018427387904 exceeds the " + left + " bytes left in the file"));
  std::string just_over = bytes;
  const uint64_t n = (bytes.size() - after_count) / 4 + 1;
  just_over.replace(lc.count_offset, 8, be(n, 8));
  EXPECT_TRUE(fails_exactly(just_over, "bl.ubj", "bl.ubj: byte " + std::to_string(after_count) + ": length " +
                                                     std::to_string(n) + " exceeds the " + left + " bytes left in the file"));
  std::string negative = bytes;
  negative.replace(lc.count_offset, 8, be(~uint64_t{0}, 8));
  EXPECT_TRUE(fails_exactly(negative, "bl.ubj", "bl.ubj: byte " + std::to_string(after_count) + ": negative length -1"));
  // A key length larger than the file.
  std::string key = bytes;
  key.replace(2, 8, be(uint64_t{1} << 40, 8));
  EXPECT_TRUE(fails_exactly(key, "bl.ubj", "bl.ubj: byte 10: length 1099511627776 exceeds the " +
                                               std::to_string(bytes.size() - 10) + " bytes left in the file"));
  // A count that fits but is wrong: the next values are read as markers.
  std::string smaller = bytes;
  smaller.replace(lc.count_offset, 8, be(lc.count - 1, 8));
  EXPECT_TRUE(fails_with(smaller, "bl.ubj", {"bl.ubj: byte "}));
}

TEST(MalformedXGBoost, UnsupportedObjective) {
  for (const char* objective : {"reg:expectile", "multi:unknown", "", "binary:logistic "}) {
    SCOPED_TRACE(objective);
    EXPECT_TRUE(fails_with(set_value(bl_json(), At{"name", 0, "objective"}, std::string("\"") + objective + "\""), "bl.json",
                           {std::string("learner.objective.name: unsupported XGBoost objective \"") + objective + "\"",
                            "(supported: ", "binary:logistic", "reg:squarederror", "multi:softprob"}));
  }
  std::string ubj = replace_once(bl_ubj(), ubj_key("binary:logistic"), ubj_key("reg:expectile"));
  EXPECT_TRUE(fails_with(ubj, "bl.ubj", {"learner.objective.name: unsupported XGBoost objective \"reg:expectile\""}));
}

TEST(MalformedXGBoost, UnsupportedBooster) {
  EXPECT_TRUE(fails_exactly(replace_once(bl_json(), "\"name\":\"gbtree\"", "\"name\":\"gbforest\""), "bl.json",
                            "bl.json: learner.gradient_booster.name: unsupported XGBoost booster \"gbforest\" (supported: "
                            "gbtree, dart, gblinear)"));
  EXPECT_TRUE(fails_exactly(replace_once(bl_ubj(), "S" + ubj_key("gbtree"), "S" + ubj_key("gbforest")), "bl.ubj",
                            "bl.ubj: learner.gradient_booster.name: unsupported XGBoost booster \"gbforest\" (supported: "
                            "gbtree, dart, gblinear)"));
}

TEST(MalformedXGBoost, BaseScore) {
  const At base{"base_score", 0, "learner_model_param"};
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), base, "\"[4.9166667E-1,5E-1]\""), "bl.json",
                            "bl.json: learner.learner_model_param.base_score: has 2 values for 1 outputs"));
  const std::string& multi = xgboost_file("multi_softprob", "model.json");  // 5 classes
  EXPECT_TRUE(fails_exactly(set_value(multi, base, "\"[1E-1,2E-1]\""), "multi.json",
                            "multi.json: learner.learner_model_param.base_score: has 2 values for 5 outputs"));
  for (const char* bad : {"abc", "[1,2", "[]", "[1,,2]", "0.5x"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(fails_exactly(set_value(bl_json(), base, std::string("\"") + bad + "\""), "bl.json",
                              std::string("bl.json: learner.learner_model_param.base_score: malformed base_score \"") + bad + "\""));
  }
  EXPECT_TRUE(fails_with(set_value(bl_json(), base, "\"2\""), "bl.json",
                         {"learner.learner_model_param.base_score: base_score 2.000000 must be in (0, 1) for a logistic objective"}));
  EXPECT_TRUE(fails_with(set_value(bl_json(), base, "\"nan\""), "bl.json", {"learner.learner_model_param.base_score"}));
  EXPECT_TRUE(fails_with(set_value(xgboost_file("count_poisson", "model.json"), base, "\"-1\""), "poisson.json",
                         {"learner.learner_model_param.base_score: base_score -1.000000 must be positive for a log-link objective"}));
}

TEST(MalformedXGBoost, NaNThreshold) {
  EXPECT_TRUE(fails_exactly(set_element(bl_json(), At{"split_conditions", 2}, 3, "NaN"), "bl.json",
                            "bl.json: " + xgb_tree(2) + ".split_conditions[3]: split threshold is NaN"));
  EXPECT_TRUE(fails_exactly(ubj_set_element(bl_ubj(), "split_conditions", 'd', 0, 0, 0x7FC00000u), "bl.ubj",
                            "bl.ubj: " + xgb_tree(0) + ".split_conditions[0]: split threshold is NaN"));
}

TEST(MalformedXGBoost, MultiClassNeedsClasses) {
  const std::string& multi = xgboost_file("multi_softprob", "model.json");
  EXPECT_TRUE(fails_exactly(set_value(multi, At{"num_class", 0, "learner_model_param"}, "\"1\""), "multi.json",
                            "multi.json: learner.learner_model_param.num_class: multi-class objective with num_class 1"));
}

TEST(MalformedXGBoost, FeatureTypes) {
  std::string types = "[\"q\",\"q\",\"z\",\"q\",\"q\",\"q\",\"q\",\"q\"]";
  EXPECT_TRUE(fails_exactly(set_value(bl_json(), At{"feature_types"}, types), "bl.json",
                            "bl.json: learner.feature_types[2]: unknown XGBoost feature type \"z\""));
}

TEST(MalformedXGBoost, Categories) {
  // Tree 0: categories_nodes [0, 1, 2, 3, 4, 6, 7, 8, 12]; node 5 is a numeric split.
  EXPECT_TRUE(fails_exactly(set_element(cp_json(), At{"categories_nodes"}, 0, "5"), "cp.json",
                            "cp.json: " + xgb_tree(0) + ".categories_nodes[0]: node 5 is not a categorical split"));
  EXPECT_TRUE(fails_exactly(set_element(cp_json(), At{"categories_nodes"}, 0, "29"), "cp.json",
                            "cp.json: " + xgb_tree(0) + ".categories_nodes[0]: value 29 out of range [0, 28]"));
  EXPECT_TRUE(fails_exactly(set_element(cp_json(), At{"categories_sizes"}, 8, "100"), "cp.json",
                            "cp.json: " + xgb_tree(0) + ".categories_segments: segment 8 runs past the end of categories"));
  EXPECT_TRUE(fails_exactly(set_element(cp_json(), At{"categories"}, 0, "16777216"), "cp.json",
                            "cp.json: " + xgb_tree(0) + ".categories[0]: value 16777216 out of range [0, 16777215]"));
  EXPECT_TRUE(fails_exactly(drop_last(cp_json(), At{"categories_sizes"}), "cp.json",
                            "cp.json: " + xgb_tree(0) +
                                ".categories_nodes: categories_nodes, categories_segments and categories_sizes differ in length"));
  // A categorical split (split_type 1) with no category set.
  EXPECT_TRUE(fails_exactly(set_element(cp_json(), At{"split_type"}, 5, "1"), "cp.json",
                            "cp.json: " + xgb_tree(0) + ".categories_nodes: a categorical split has no entry in categories_nodes"));
}

// Absurd category segments and sizes are errors.
TEST(MalformedXGBoost, HugeCategorySegmentOrSize) {
  for (const char* huge : {"4611686018427387904", "1e30", "-1", "69"}) {
    SCOPED_TRACE(huge);
    EXPECT_TRUE(fails_with(set_element(cp_json(), At{"categories_segments"}, 1, huge), "cp.json",
                           {xgb_tree(0) + ".categories_segments"}));
    EXPECT_TRUE(fails_with(set_element(cp_json(), At{"categories_sizes"}, 1, huge), "cp.json", {xgb_tree(0) + ".categories_s"}));
  }
}

// 2^63 - 1 and 2^63 are parsed as the double 2^63, which must fail the range check
// against INT64_MAX instead of being cast to int64_t (undefined).
TEST(MalformedXGBoost, CategorySegmentOrSizeOf2To63) {
  for (const char* huge : {"9223372036854775807", "9223372036854775808"}) {
    SCOPED_TRACE(huge);
    EXPECT_TRUE(fails_with(set_element(cp_json(), At{"categories_segments"}, 1, huge), "cp.json",
                           {xgb_tree(0) + ".categories_segments"}));
    EXPECT_TRUE(fails_with(set_element(cp_json(), At{"categories_sizes"}, 1, huge), "cp.json", {xgb_tree(0) + ".categories_s"}));
  }
}

// Errors that only ir::validate() catches on an XGBoost file: the message must still
// point into the XGBoost file, not at a xylem JSON path that the file does not have.
TEST(MalformedXGBoost, NaNBaseScoreNamesTheXGBoostKey) {
  const std::string& reg = xgboost_file("reg_squarederror", "model.json");
  EXPECT_TRUE(fails_with(set_value(reg, At{"base_score", 0, "learner_model_param"}, "\"nan\""), "reg.json",
                         {"learner.learner_model_param.base_score"}));
}

TEST(MalformedXGBoost, NonFiniteDartWeightNamesTheXGBoostKey) {
  const std::string& dart = xgboost_file("dart_binary_logistic", "model.json");
  for (const char* bad : {"NaN", "Infinity"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(fails_with(set_element(dart, At{"weight_drop"}, 3, bad), "dart.json", {"learner.gradient_booster.weight_drop"}));
  }
}

TEST(MalformedXGBoost, CategoricalLeafNamesTheXGBoostKey) {
  std::string text = set_element(cp_json(), At{"split_type"}, 20, "1");
  text = set_element(text, At{"split_type"}, 12, "0");
  text = set_element(text, At{"categories_nodes"}, 8, "20");
  EXPECT_TRUE(fails_with(text, "cp.json", {xgb_tree(0) + ".categories_nodes[8]", "leaf"}));
}

TEST(MalformedXGBoost, VectorLeaves) {
  const std::string& multi = xgboost_file("multi_output_tree_regression", "model.json");  // 3 targets, vector leaves
  EXPECT_TRUE(fails_exactly(drop_last(multi, At{"base_weights"}), "mo.json",
                            "mo.json: " + xgb_tree(0) + ".base_weights: has 92 values, expected 93 (num_nodes x size_leaf_vector)"));
  EXPECT_TRUE(fails_exactly(set_value(multi, At{"size_leaf_vector"}, "\"2\""), "mo.json",
                            "mo.json: " + xgb_tree(0) + ".tree_param.size_leaf_vector: leaf vector of 2 values for 3 outputs"));
}

TEST(MalformedXGBoost, WrongFormatForced) {
  LoadOptions as_xylem;
  as_xylem.format = ModelFormat::Xylem;
  EXPECT_TRUE(fails_exactly(bl_json(), "bl.json", "bl.json: (document): missing required key \"format\"", as_xylem));
  EXPECT_TRUE(fails_exactly(bl_ubj(), "bl.ubj", "bl.ubj: xylem models are JSON text, this file is UBJSON", as_xylem));
  LoadOptions as_xgboost;
  as_xgboost.format = ModelFormat::XGBoost;
  EXPECT_TRUE(fails_exactly(bl_xylem(), "bl.xylem.json", "bl.xylem.json: version: expected an array of integers, found number", as_xgboost));
}

// ---------------------------------------------------------------------------
// xylem JSON
// ---------------------------------------------------------------------------

// The example, exactly, on a real converted model.
TEST(MalformedXylem, ChildOutOfRangeExactMessage) {
  EXPECT_TRUE(fails_exactly(set_element(es_xylem(), At{"left_children", 3}, 17, "900"), "model.xylem.json",
                            "model.xylem.json: trees[3].left_children[17]: child 900 out of range (tree has 57 nodes)"));
  EXPECT_TRUE(fails_exactly(set_element(es_xylem(), At{"left_children", 1}, 17, "900"), "model.xylem.json",
                            "model.xylem.json: trees[1].left_children[17]: child 900 out of range (tree has 63 nodes)"));
  EXPECT_TRUE(fails_exactly(set_element(es_xylem(), At{"right_children", 3}, 17, "57"), "model.xylem.json",
                            "model.xylem.json: trees[3].right_children[17]: child 57 out of range (tree has 57 nodes)"));
  EXPECT_TRUE(fails_exactly(set_element(es_xylem(), At{"right_children", 3}, 17, "-2"), "model.xylem.json",
                            "model.xylem.json: trees[3].right_children[17]: value -2 out of range [-1, 2147483647]"));
  // A leaf with a right child.
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"left_children"}, 1, "-1"), "x.json",
                            "x.json: trees[0].right_children[1]: leaf (left child -1) has right child 4"));
}

TEST(MalformedXylem, WrongTypes) {
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"left_children"}, "\"x\""), "x.json",
                            "x.json: trees[0].left_children: expected an array of integers, found string"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_features"}, "\"8\""), "x.json",
                            "x.json: num_features: expected an integer, found string"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_features"}, "8.5"), "x.json",
                            "x.json: num_features: expected an integer, found 8.5"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"version"}, "\"1\""), "x.json",
                            "x.json: version: expected an integer, found string"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"thresholds", 2}, 0, "\"abc\""), "x.json",
                            "x.json: trees[2].thresholds[0]: expected a number, found string"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"base_scores"}, "0.5"), "x.json",
                            "x.json: output.base_scores: expected an array of numbers, found number"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"trees"}, "{}"), "x.json", "x.json: trees: expected an array, found object"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"output"}, "[]"), "x.json", "x.json: output: expected an object, found array"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"default_left"}, 0, "2"), "x.json",
                            "x.json: trees[0].default_left[0]: value 2 out of range [0, 1]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"base_scores_first"}, "\"yes\""), "x.json",
                            "x.json: output.base_scores_first: expected a boolean, found string"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"types"}, "[0, 0, 0, 0, 0, 0, 0, 0]"), "x.json",
                            "x.json: features.types: expected an array of values, found an array of numbers"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"names"}, "[1]"), "x.json",
                            "x.json: features.names[0]: expected a string, found number"));
  EXPECT_TRUE(fails_exactly(replace_once(bl_xylem(), "\"tree_rules\"", "\"tree_rulez\""), "x.json",
                            "x.json: (document): missing required key \"tree_rules\""));
}

TEST(MalformedXylem, Cycles) {
  const std::string suffix = " is reached twice (the tree has a cycle or a shared node)";
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"left_children"}, 1, "0"), "x.json",
                            "x.json: trees[0].left_children[1]: child 0" + suffix));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"left_children"}, 3, "1"), "x.json",
                            "x.json: trees[0].left_children[3]: child 1" + suffix));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"right_children"}, 7, "3"), "x.json",
                            "x.json: trees[0].right_children[7]: child 3" + suffix));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"left_children", 4}, 0, "0"), "x.json",
                            "x.json: trees[4].left_children[0]: child 0" + suffix));
}

TEST(MalformedXylem, NodeReachedTwice) {
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"right_children"}, 1, "3"), "x.json",
                            "x.json: trees[0].right_children[1]: child 3 is reached twice (the tree has a cycle or a shared node)"));
  EXPECT_TRUE(fails_with(set_element(bl_xylem(), At{"right_children"}, 2, "3"), "x.json",
                         {"trees[0].", "child 3 is reached twice"}));
}

TEST(MalformedXylem, UnreachableNode) {
  // Node 1 made a leaf: its subtree (nodes 3, 4, 7, 8, ...) is orphaned.
  std::string text = set_element(bl_xylem(), At{"left_children"}, 1, "-1");
  text = set_element(text, At{"right_children"}, 1, "-1");
  EXPECT_TRUE(fails_exactly(text, "x.json", "x.json: trees[0].left_children: node 3 is not reachable from the root"));
  // The root made a leaf: everything else is orphaned.
  text = set_element(bl_xylem(), At{"left_children", 2}, 0, "-1");
  text = set_element(text, At{"right_children", 2}, 0, "-1");
  EXPECT_TRUE(fails_exactly(text, "x.json", "x.json: trees[2].left_children: node 1 is not reachable from the root"));
}

TEST(MalformedXylem, SplitFeatureOutOfRange) {
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"split_features"}, 0, "8"), "x.json",
                            "x.json: trees[0].split_features[0]: feature 8 out of range (model has 8 features)"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"split_features", 5}, 2, "1000000"), "x.json",
                            "x.json: trees[5].split_features[2]: feature 1000000 out of range (model has 8 features)"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"split_features"}, 0, "-1"), "x.json",
                            "x.json: trees[0].split_features[0]: value -1 out of range [0, 2147483647]"));
}

TEST(MalformedXylem, ArrayLengthMismatch) {
  EXPECT_TRUE(fails_exactly(drop_last(bl_xylem(), At{"thresholds"}), "x.json", "x.json: trees[0].thresholds: has 30 entries, expected 31"));
  EXPECT_TRUE(fails_exactly(drop_last(bl_xylem(), At{"leaf_values", 1}), "x.json",
                            "x.json: trees[1].leaf_values: has 26 entries, expected 27"));
  EXPECT_TRUE(fails_exactly(append(bl_xylem(), At{"default_left"}, "0"), "x.json",
                            "x.json: trees[0].default_left: has 32 entries, expected 31"));
  // left_children decides the node count.
  EXPECT_TRUE(fails_exactly(drop_last(bl_xylem(), At{"left_children"}), "x.json",
                            "x.json: trees[0].right_children: has 31 entries, expected 30"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"left_children"}, "[]"), "x.json", "x.json: trees[0].left_children: tree has no nodes"));
  EXPECT_TRUE(fails_exactly(drop_last(bl_xylem(), At{"types"}), "x.json", "x.json: features.types: has 7 types for 8 features"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"names"}, "[\"a\"]"), "x.json", "x.json: features.names: has 1 names for 8 features"));
  EXPECT_TRUE(fails_exactly(drop_last(cp_xylem(), At{"category_sets"}), "x.json",
                            "x.json: trees[0].category_sets: has 8 sets for 9 categorical nodes"));
}

TEST(MalformedXylem, AbsurdSizes) {
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_outputs"}, "1e12"), "x.json",
                            "x.json: num_outputs: value 1000000000000 out of range [1, 1048576]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_outputs"}, "1048576"), "x.json",
                            "x.json: output.base_scores: has 1 values for 1048576 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_features"}, "2000000000"), "x.json",
                            "x.json: num_features: value 2000000000 out of range [0, 16777216]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_features"}, "16777216"), "x.json",
                            "x.json: features.types: has 8 types for 16777216 features"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"num_features"}, "1e300"), "x.json",
                            "x.json: num_features: value 1.0000000000000001e+300 out of range [0, 16777216]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"leaf_size"}, "1000000000"), "x.json",
                            "x.json: trees[0].leaf_size: value 1000000000 out of range [1, 1048576]"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"leaf_size"}, "1048576"), "x.json",
                            "x.json: trees[0].leaf_size: leaf size 1048576 is neither 1 nor the 1 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"output", 0, "trees"}, "1"), "x.json",
                            "x.json: trees[0].output: output 1 out of range (model has 1 outputs)"));
}

TEST(MalformedXylem, FormatVersion) {
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"version"}, "5"), "x.json",
                            "x.json: version: format version 5 is not supported (this build reads versions 1 to 4)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"version"}, "0"), "x.json",
                            "x.json: version: format version 0 is not supported (this build reads versions 1 to 4)"));
  // Version 4's additions need version 4.
  const std::string v3 = set_value(bl_xylem(), At{"version"}, "3");
  EXPECT_TRUE(fails_exactly(set_value(v3, At{"transform"}, "\"sort_ascending\""), "x.json",
                            "x.json: output.transform: transform \"sort_ascending\" needs format version 4 (the file says 3)"));
  EXPECT_TRUE(fails_exactly(set_value(v3, At{"transform"}, "\"cumulative_softplus\""), "x.json",
                            "x.json: output.transform: transform \"cumulative_softplus\" needs format version 4 (the file says 3)"));
  // Version 3's additions need version 3.
  const std::string v2 = set_value(bl_xylem(), At{"version"}, "2");
  EXPECT_TRUE(fails_exactly(set_value(v2, At{"transform"}, "\"softmax_zero\""), "x.json",
                            "x.json: output.transform: transform \"softmax_zero\" needs format version 3 (the file says 2)"));
  EXPECT_TRUE(fails_exactly(set_value(v2, At{"key"}, "\"exact_integer\""), "x.json",
                            "x.json: tree_rules.category_rule.key: key \"exact_integer\" needs format version 3 (the file says 2)"));
  // A version 1 file still reads (and writing it gives version 4).
  const std::string v1 = set_value(bl_xylem(), At{"version"}, "1");
  EXPECT_NO_THROW(Model::load_from_memory(v1, "x.json"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"version"}, "-1"), "x.json",
                            "x.json: version: value -1 out of range [0, 2147483647]"));
  LoadOptions as_xylem;
  as_xylem.format = ModelFormat::Xylem;
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"format"}, "\"xylem2\""), "x.json", "x.json: format: not a xylem model", as_xylem));
}

TEST(MalformedXylem, UnknownEnumStrings) {
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"transform"}, "\"tanh\""), "x.json",
                            "x.json: output.transform: unknown value \"tanh\" (expected identity, sigmoid, softmax, exp, "
                            "hinge_class, argmax_class, signed_square, softplus, sigmoid_pair, normalized_sigmoid, softmax_zero, probit, "
                            "negated_pair, complement_pair, sort_ascending or cumulative_softplus)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"task"}, "\"clustering\""), "x.json",
                            "x.json: task: unknown value \"clustering\" (expected regression, binary_classification, "
                            "multiclass_classification, multi_target_regression, ranking or survival)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"aggregation"}, "\"median\""), "x.json",
                            "x.json: output.aggregation: unknown value \"median\" (expected sum or average)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"accumulation"}, "\"float16\""), "x.json",
                            "x.json: output.accumulation: unknown value \"float16\" (expected float32 or float64)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"threshold_precision"}, "\"Float32\""), "x.json",
                            "x.json: tree_rules.threshold_precision: unknown value \"Float32\" (expected float32 or float64)"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"types"}, 3, "\"text\""), "x.json",
                            "x.json: features.types[3]: unknown value \"text\" (expected numeric or categorical)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"comparison", 0, "trees"}, "\">\""), "x.json",
                            "x.json: trees[0].comparison: unknown value \">\" (expected < or <=)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"comparison", 0, "trees"}, "\"category\""), "x.json",
                            "x.json: trees[0].comparison: a tree's comparison must be < or <="));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"missing_rule"}, "\"nan_to_left\""), "x.json",
                            "x.json: trees[0].missing_rule: unknown value \"nan_to_left\" (expected nan_to_default, "
                            "nan_as_zero or zero_and_nan_to_default)"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"categories_go"}, "\"up\""), "x.json",
                            "x.json: tree_rules.categories_go: expected \"left\" or \"right\", found \"up\""));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"invalid"}, "\"ignore\""), "x.json",
                            "x.json: tree_rules.category_rule.invalid: expected \"default\" or \"non_member_side\", found \"ignore\""));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"limit"}, "0"), "x.json",
                            "x.json: tree_rules.category_rule.limit: category limit must be in [1, 2^32]"));
  // Per-node lists.
  std::string kinds = "[\"<\"";
  for (int i = 1; i < 31; ++i) kinds += i == 5 ? ", \"<<\"" : ", \"<\"";
  kinds += "]";
  std::string text = bl_xylem();
  text.insert(value_offset(text, At{"left_children"}) - std::string("\"left_children\": ").size(), "\"comparisons\": " + kinds + ", ");
  EXPECT_TRUE(fails_exactly(text, "x.json", "x.json: trees[0].comparisons[5]: unknown value \"<<\" (expected <, <= or category)"));
}

TEST(MalformedXylem, BaseScores) {
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"base_scores"}, "[0.1, 0.2]"), "x.json",
                            "x.json: output.base_scores: has 2 values for 1 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"base_scores"}, "[]"), "x.json",
                            "x.json: output.base_scores: has 0 values for 1 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"base_scores"}, "[\"nan\"]"), "x.json", "x.json: output.base_scores[0]: is NaN"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"scale"}, "\"inf\""), "x.json", "x.json: output.scale: is not finite"));
  EXPECT_TRUE(fails_exactly(set_value(bl_xylem(), At{"weight", 0, "trees"}, "Infinity"), "x.json", "x.json: trees[0].weight: is not finite"));
}

TEST(MalformedXylem, CategorySets) {
  // Tree 0 of categorical_partition: category_sets[0] is [1, 4].
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"category_sets"}, 0, "[4, 1]"), "x.json",
                            "x.json: trees[0].category_sets[0][1]: categories not sorted and unique"));
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"category_sets"}, 0, "[1, 1]"), "x.json",
                            "x.json: trees[0].category_sets[0][1]: categories not sorted and unique"));
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"category_sets"}, 0, "[1, 16777216]"), "x.json",
                            "x.json: trees[0].category_sets[0][1]: category 16777216 beyond the category limit"));
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"category_sets"}, 0, "[-1]"), "x.json",
                            "x.json: trees[0].category_sets[0][0]: value -1 out of range [0, 4294967295]"));
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"categorical_nodes"}, 1, "0"), "x.json",
                            "x.json: trees[0].categorical_nodes[1]: node 0 listed twice"));
  EXPECT_TRUE(fails_exactly(set_element(cp_xylem(), At{"categorical_nodes"}, 1, "100"), "x.json",
                            "x.json: trees[0].categorical_nodes[1]: node 100 out of range (tree has 29 nodes)"));
  EXPECT_TRUE(fails_exactly(set_value(cp_xylem(), At{"category_sets"}, "[1, 2]"), "x.json",
                            "x.json: trees[0].category_sets: expected an array of values, found an array of numbers"));
}

TEST(MalformedXylem, NaNThreshold) {
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"thresholds"}, 0, "\"nan\""), "x.json",
                            "x.json: trees[0].thresholds[0]: threshold is NaN"));
  EXPECT_TRUE(fails_exactly(set_element(bl_xylem(), At{"thresholds", 3}, 2, "NaN"), "x.json",
                            "x.json: trees[3].thresholds[2]: threshold is NaN"));
}

TEST(MalformedXylem, Linear) {
  const std::string& linear = xylem_file("gblinear_multi_softprob");  // 8 features, 3 outputs, no trees
  EXPECT_TRUE(fails_exactly(drop_last(linear, At{"weights"}), "x.json",
                            "x.json: linear.weights: has 23 values, expected 24 (8 features x 3 outputs)"));
  EXPECT_TRUE(fails_exactly(drop_last(linear, At{"bias"}), "x.json", "x.json: linear.bias: has 2 values for 3 outputs"));
  EXPECT_TRUE(fails_exactly(set_value(linear, At{"num_outputs", 0, "linear"}, "2"), "x.json",
                            "x.json: linear.num_outputs: 2 outputs, model has 3"));
  EXPECT_TRUE(fails_exactly(set_value(linear, At{"weights"}, "\"x\""), "x.json",
                            "x.json: linear.weights: expected an array of numbers, found string"));
  // No trees and no linear model: nothing to average.
  std::string no_trees = set_value(bl_xylem(), At{"trees"}, "[]");
  EXPECT_TRUE(fails_exactly(set_value(no_trees, At{"aggregation"}, "\"average\""), "x.json",
                            "x.json: output.aggregation: average of no trees"));
}

}  // namespace
}  // namespace xylem
