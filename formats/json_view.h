// Typed, path-tracking access to a parsed JsonValue. Every accessor that finds the
// wrong kind, a missing key or a bad value throws xylem::Error
// "<file>: <json path>: <what>", e.g. "model.json: learner.objective.name: expected a
// string, found number".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/json_value.h"

namespace xylem::formats {

class JsonView {
 public:
  JsonView(const JsonValue& value, const std::string& file, std::string path)
      : v_(&value), file_(&file), path_(std::move(path)) {}

  const JsonValue& value() const { return *v_; }
  const std::string& path() const { return path_; }
  JsonValue::Kind kind() const { return v_->kind; }

  [[noreturn]] void fail(const std::string& what) const;
  // Fails naming element `index` of this array (numbers in compact arrays have no view).
  [[noreturn]] void fail_at(size_t index, const std::string& what) const;

  // Objects.
  bool has(std::string_view key) const;
  JsonView operator[](std::string_view key) const;  // required member
  // Arrays.
  size_t size() const;  // array length
  JsonView operator[](size_t index) const;

  // Scalars.
  std::string str() const;
  double f64() const;     // any number; strings "nan", "inf", "-inf" too
  float f32() const;      // the number parsed directly as float32
  int64_t integer(int64_t min, int64_t max) const;  // an integral number within [min, max]
  bool boolean() const;   // true/false or 0/1

  // Whole arrays (numbers; f64/f32 arrays accept "nan"/"inf"/"-inf" strings).
  std::vector<double> f64_array() const;
  std::vector<double> f32_array_widened() const;  // each value parsed as float32, widened
  std::vector<int64_t> int_array(int64_t min, int64_t max) const;
  // The same, stored as Int (int32_t, uint32_t, uint8_t or int64_t): [min, max] must
  // lie within Int's range.
  template <typename Int>
  std::vector<Int> int_array_as(int64_t min, int64_t max) const;
  std::vector<std::string> string_array() const;

 private:
  void expect(JsonValue::Kind kind, const char* what) const;
  std::string child_path(std::string_view key) const;
  std::string index_path(size_t i) const { return path_ + "[" + std::to_string(i) + "]"; }

  const JsonValue* v_;
  const std::string* file_;
  std::string path_;
};

}  // namespace xylem::formats
