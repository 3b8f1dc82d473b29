// Reading an ONNX file (protobuf, the onnx-ml schema of Debian's libonnx-dev): the
// graph's nodes, their attributes and the constant tensors, with errors that name the
// node ("node 3 'TreeEnsembleClassifier' (TreeEnsembleClassifier)") and the attribute.
// Knows nothing of the IR; onnx_importer.cc and onnx_trees.cc turn nodes into it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onnx {
class ModelProto;
class NodeProto;
class AttributeProto;
class TensorProto;
}  // namespace onnx

namespace xylem::formats::onnx_io {

// A constant tensor, its values widened to double (exact for float, double, int32 and
// int64 values below 2^53).
struct Constant {
  std::vector<int64_t> dims;
  std::vector<double> values;  // numeric tensors
  // String tensors: their strings, and no values. skl2onnx keeps a classifier's string class
  // labels in one, read only by the label output, which xylem does not follow.
  std::vector<std::string> strings;
  int32_t data_type = 0;  // TensorProto.DataType: 1 float, 11 double, 7 int64, 8 string, ...
};

// ONNX element types xylem meets.
inline constexpr int32_t kFloat = 1;
inline constexpr int32_t kInt32 = 6;
inline constexpr int32_t kInt64 = 7;
inline constexpr int32_t kString = 8;
inline constexpr int32_t kDouble = 11;

class Node {
 public:
  Node(const onnx::NodeProto& proto, int index, std::string file);
  const std::string& op() const;
  const std::string& domain() const;
  const std::string& where() const { return where_; }  // "file: node 3 'name' (OpType)"
  int index() const { return index_; }
  const std::vector<std::string>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }

  bool has(std::string_view attr) const;
  int64_t i(std::string_view attr, std::optional<int64_t> fallback = std::nullopt) const;
  double f(std::string_view attr, std::optional<double> fallback = std::nullopt) const;
  std::string s(std::string_view attr, std::optional<std::string> fallback = std::nullopt) const;
  std::vector<int64_t> ints(std::string_view attr) const;      // empty when absent
  std::vector<double> floats(std::string_view attr) const;     // empty when absent
  std::vector<std::string> strings(std::string_view attr) const;
  std::optional<Constant> tensor(std::string_view attr) const;  // absent: nullopt

  // Throws xylem::Error "<where>: <message>" (or "<where>: attribute A: <message>").
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void fail(std::string_view attr, const std::string& message) const;

 private:
  const onnx::AttributeProto* find(std::string_view attr) const;
  const onnx::NodeProto* proto_;
  int index_;
  std::string file_, where_;
  std::vector<std::string> inputs_, outputs_;
};

struct GraphInput {
  std::string name;
  int32_t elem_type = 0;
  std::vector<int64_t> dims;  // -1 for a symbolic or unknown dimension
};

class Graph {
 public:
  Graph(std::string_view bytes, const std::string& file);
  ~Graph();
  const std::string& file() const { return file_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<GraphInput>& inputs() const { return inputs_; }  // initializers excluded
  const std::vector<std::string>& outputs() const { return outputs_; }
  // The opset of a domain ("" and "ai.onnx" are the same), or -1 when not imported.
  int64_t opset(const std::string& domain) const;
  // Initializers and Constant-node outputs.
  const Constant* constant(const std::string& name) const;
  // The node producing a tensor, or -1 (a graph input or a constant).
  int producer(const std::string& name) const;
  std::string producer_description() const;  // "skl2onnx 1.20.0"

 private:
  std::unique_ptr<onnx::ModelProto> model_;
  std::string file_;
  std::vector<Node> nodes_;
  std::vector<GraphInput> inputs_;
  std::vector<std::string> outputs_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, int> producers_;
  std::map<std::string, int64_t> opsets_;
};

// True when the bytes can be an ONNX ModelProto (field 1, ir_version, as a varint first).
bool looks_like_onnx(std::string_view bytes);

Constant to_constant(const onnx::TensorProto& tensor, const std::string& where);

}  // namespace xylem::formats::onnx_io
