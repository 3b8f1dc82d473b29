// A small JSON document model shared by the text JSON and UBJSON readers.
//
// Why not nlohmann::json: model files need things it does not do. XGBoost writes
// the non-standard tokens NaN and Infinity, its numbers must be parsed straight to
// float32 (decimal -> double -> float can round differently), and a 1000-tree model
// has millions of numbers, which we keep in compact arrays instead of one node each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xylem::formats {

// A number as written in the file, parsed both ways so that readers can take the
// float32 or the float64 value without double rounding.
struct JsonNumber {
  double f64 = 0;
  float f32 = 0;
  bool integral = false;  // written without fraction or exponent (f64 is then exact below 2^53)
};

class JsonValue {
 public:
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  JsonNumber number;
  std::string text;
  // Arrays whose elements are all numbers keep them in `numbers` only (compact);
  // any other array keeps its elements in `items`.
  std::vector<JsonValue> items;
  std::vector<JsonNumber> numbers;
  std::vector<std::pair<std::string, JsonValue>> members;

  size_t array_size() const { return items.empty() ? numbers.size() : items.size(); }
  const JsonValue* find(std::string_view key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
};

const char* kind_name(JsonValue::Kind kind);

// Parses JSON text. Accepts NaN, Infinity, -Infinity and +Infinity as numbers.
// Throws xylem::Error "<source>:<line>:<column>: <what>" on malformed input.
JsonValue parse_json_text(std::string_view text, const std::string& source_name);

// Parses UBJSON as written by XGBoost (big-endian scalars, counted and typed arrays).
// Throws xylem::Error "<source>: byte <offset>: <what>" on malformed input.
JsonValue parse_ubjson(std::string_view bytes, const std::string& source_name);

}  // namespace xylem::formats
