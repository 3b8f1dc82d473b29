#include "formats/onnx_graph.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>

#include "xylem/error.h"

namespace xylem::formats::onnx_io {
namespace {

template <typename T>
void append_raw(const std::string& raw, std::vector<double>& out, const std::string& where) {
  if (raw.size() % sizeof(T) != 0)
    throw Error(where + ": raw_data has " + std::to_string(raw.size()) + " bytes, not a multiple of " +
                std::to_string(sizeof(T)));
  const size_t n = raw.size() / sizeof(T);
  out.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));  // ONNX raw data is little-endian, as x86 and ARM are
    out.push_back(static_cast<double>(v));
  }
}

const char* type_name(int32_t t) {
  switch (t) {
    case 1: return "float";
    case 2: return "uint8";
    case 3: return "int8";
    case 5: return "int16";
    case 6: return "int32";
    case 7: return "int64";
    case 8: return "string";
    case 9: return "bool";
    case 10: return "float16";
    case 11: return "double";
    case 16: return "bfloat16";
    default: return "an unknown type";
  }
}

}  // namespace

Constant to_constant(const onnx::TensorProto& t, const std::string& where) {
  Constant c;
  c.data_type = t.data_type();
  c.dims.assign(t.dims().begin(), t.dims().end());
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(where + ": tensor '" + t.name() + "' keeps its data in an external file, which xylem does not read");
  const std::string& raw = t.raw_data();
  switch (c.data_type) {
    case kFloat:
      if (!raw.empty()) append_raw<float>(raw, c.values, where);
      else c.values.assign(t.float_data().begin(), t.float_data().end());
      break;
    case kDouble:
      if (!raw.empty()) append_raw<double>(raw, c.values, where);
      else c.values.assign(t.double_data().begin(), t.double_data().end());
      break;
    case kInt64:
      if (!raw.empty()) append_raw<int64_t>(raw, c.values, where);
      else
        for (int64_t v : t.int64_data()) c.values.push_back(static_cast<double>(v));
      break;
    case kInt32:
    case 2:   // uint8
    case 3:   // int8
    case 5:   // int16
    case 9:   // bool
      if (!raw.empty()) {
        if (c.data_type == kInt32) append_raw<int32_t>(raw, c.values, where);
        else if (c.data_type == 2 || c.data_type == 9) append_raw<uint8_t>(raw, c.values, where);
        else if (c.data_type == 3) append_raw<int8_t>(raw, c.values, where);
        else append_raw<int16_t>(raw, c.values, where);
      } else {
        for (int32_t v : t.int32_data()) c.values.push_back(v);
      }
      break;
    case kString:
      c.strings.assign(t.string_data().begin(), t.string_data().end());
      break;
    default:
      throw Error(where + ": tensor '" + t.name() + "' holds " + type_name(c.data_type) + " values, which xylem does not read");
  }
  size_t expected = 1;
  for (int64_t d : c.dims) {
    if (d < 0 || d > (int64_t{1} << 31)) throw Error(where + ": tensor '" + t.name() + "' has a dimension of " + std::to_string(d));
    expected *= static_cast<size_t>(d);
    if (expected > (size_t{1} << 31)) throw Error(where + ": tensor '" + t.name() + "' is larger than 2^31 values");
  }
  const size_t count = c.data_type == kString ? c.strings.size() : c.values.size();
  if (count != expected)
    throw Error(where + ": tensor '" + t.name() + "' has " + std::to_string(count) + " values for its shape (" +
                std::to_string(expected) + ")");
  return c;
}

Node::Node(const onnx::NodeProto& proto, int index, std::string file) : proto_(&proto), index_(index), file_(std::move(file)) {
  where_ = file_ + ": node " + std::to_string(index) + " '" + proto.name() + "' (" + proto.op_type() + ")";
  inputs_.assign(proto.input().begin(), proto.input().end());
  outputs_.assign(proto.output().begin(), proto.output().end());
}

const std::string& Node::op() const { return proto_->op_type(); }
const std::string& Node::domain() const { return proto_->domain(); }

const onnx::AttributeProto* Node::find(std::string_view attr) const {
  for (const auto& a : proto_->attribute())
    if (a.name() == attr) return &a;
  return nullptr;
}

bool Node::has(std::string_view attr) const { return find(attr) != nullptr; }

void Node::fail(const std::string& message) const { throw Error(where_ + ": " + message); }
void Node::fail(std::string_view attr, const std::string& message) const {
  throw Error(where_ + ": attribute " + std::string(attr) + ": " + message);
}

int64_t Node::i(std::string_view attr, std::optional<int64_t> fallback) const {
  const auto* a = find(attr);
  if (!a) {
    if (fallback) return *fallback;
    fail(attr, "missing");
  }
  if (a->type() != onnx::AttributeProto::INT) fail(attr, "expected an integer");
  return a->i();
}

double Node::f(std::string_view attr, std::optional<double> fallback) const {
  const auto* a = find(attr);
  if (!a) {
    if (fallback) return *fallback;
    fail(attr, "missing");
  }
  if (a->type() != onnx::AttributeProto::FLOAT) fail(attr, "expected a float");
  return a->f();
}

std::string Node::s(std::string_view attr, std::optional<std::string> fallback) const {
  const auto* a = find(attr);
  if (!a) {
    if (fallback) return *fallback;
    fail(attr, "missing");
  }
  if (a->type() != onnx::AttributeProto::STRING) fail(attr, "expected a string");
  return a->s();
}

std::vector<int64_t> Node::ints(std::string_view attr) const {
  const auto* a = find(attr);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto::INTS && a->type() != onnx::AttributeProto::INT) fail(attr, "expected integers");
  if (a->type() == onnx::AttributeProto::INT) return {a->i()};
  return {a->ints().begin(), a->ints().end()};
}

std::vector<double> Node::floats(std::string_view attr) const {
  const auto* a = find(attr);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto::FLOATS && a->type() != onnx::AttributeProto::FLOAT) fail(attr, "expected floats");
  if (a->type() == onnx::AttributeProto::FLOAT) return {a->f()};
  return {a->floats().begin(), a->floats().end()};
}

std::vector<std::string> Node::strings(std::string_view attr) const {
  const auto* a = find(attr);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto::STRINGS) fail(attr, "expected strings");
  return {a->strings().begin(), a->strings().end()};
}

std::optional<Constant> Node::tensor(std::string_view attr) const {
  const auto* a = find(attr);
  if (!a) return std::nullopt;
  if (a->type() != onnx::AttributeProto::TENSOR) fail(attr, "expected a tensor");
  return to_constant(a->t(), where_ + ": attribute " + std::string(attr));
}

bool looks_like_onnx(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x08 && static_cast<unsigned char>(bytes[1]) < 0x80;
}

Graph::Graph(std::string_view bytes, const std::string& file) : model_(std::make_unique<onnx::ModelProto>()), file_(file) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(file + ": the ONNX file is larger than 2 GB, protobuf's limit");
  if (!model_->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(file + ": not a valid ONNX file (protobuf could not parse a ModelProto)");
  if (!model_->has_graph()) throw Error(file + ": the ONNX model has no graph");
  for (const auto& o : model_->opset_import()) opsets_[o.domain() == "ai.onnx" ? "" : o.domain()] = o.version();
  const onnx::GraphProto& g = model_->graph();
  for (const auto& t : g.initializer()) constants_[t.name()] = to_constant(t, file + ": initializer '" + t.name() + "'");
  for (int k = 0; k < g.node_size(); ++k) {
    nodes_.emplace_back(g.node(k), k, file);
    const Node& n = nodes_.back();
    if (n.op() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx")) {
      std::optional<Constant> value = n.tensor("value");
      if (!value) {
        std::vector<double> fs = n.floats("value_floats");
        std::vector<int64_t> is = n.ints("value_ints");
        value = Constant{};
        if (n.has("value_float")) value->values = {n.f("value_float")};
        else if (n.has("value_int")) value->values = {static_cast<double>(n.i("value_int"))};
        else if (!fs.empty()) value->values = fs;
        else if (!is.empty()) value->values.assign(is.begin(), is.end());
        else n.fail("a Constant xylem cannot read (only value, value_float(s) and value_int(s))");
        if (value->values.size() != 1 || n.has("value_floats") || n.has("value_ints"))
          value->dims = {static_cast<int64_t>(value->values.size())};
      }
      for (const std::string& out : n.outputs()) constants_[out] = *value;
    }
    for (const std::string& out : n.outputs()) producers_[out] = k;
  }
  for (const auto& in : g.input()) {
    if (constants_.count(in.name())) continue;
    GraphInput gi;
    gi.name = in.name();
    if (in.type().has_tensor_type()) {
      gi.elem_type = in.type().tensor_type().elem_type();
      for (const auto& d : in.type().tensor_type().shape().dim()) gi.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    inputs_.push_back(gi);
  }
  for (const auto& out : g.output()) outputs_.push_back(out.name());
}

Graph::~Graph() = default;

int64_t Graph::opset(const std::string& domain) const {
  auto it = opsets_.find(domain == "ai.onnx" ? "" : domain);
  return it == opsets_.end() ? -1 : it->second;
}

const Constant* Graph::constant(const std::string& name) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : &it->second;
}

int Graph::producer(const std::string& name) const {
  auto it = producers_.find(name);
  return it == producers_.end() ? -1 : it->second;
}

std::string Graph::producer_description() const {
  std::string s = model_->producer_name();
  if (!model_->producer_version().empty()) s += (s.empty() ? "" : " ") + model_->producer_version();
  return s;
}

}  // namespace xylem::formats::onnx_io
