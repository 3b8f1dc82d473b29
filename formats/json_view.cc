#include "formats/json_view.h"

#include <cmath>
#include <limits>

#include "xylem/error.h"

namespace xylem::formats {
namespace {

bool special_number(const std::string& s, double& out) {
  if (s == "nan" || s == "NaN") out = std::numeric_limits<double>::quiet_NaN();
  else if (s == "inf" || s == "Infinity") out = HUGE_VAL;
  else if (s == "-inf" || s == "-Infinity") out = -HUGE_VAL;
  else return false;
  return true;
}

std::string describe(const JsonNumber& n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", n.f64);
  return buf;
}

}  // namespace

void JsonView::fail(const std::string& what) const {
  throw Error(*file_ + ": " + (path_.empty() ? std::string("(document)") : path_) + ": " + what);
}

void JsonView::fail_at(size_t index, const std::string& what) const {
  JsonView(*v_, *file_, index_path(index)).fail(what);
}

void JsonView::expect(JsonValue::Kind kind, const char* what) const {
  if (v_->kind != kind) fail(std::string("expected ") + what + ", found " + kind_name(v_->kind));
}

std::string JsonView::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool JsonView::has(std::string_view key) const {
  return v_->kind == JsonValue::Kind::Object && v_->find(key) != nullptr;
}

JsonView JsonView::operator[](std::string_view key) const {
  expect(JsonValue::Kind::Object, "an object");
  const JsonValue* child = v_->find(key);
  if (!child) fail("missing required key \"" + std::string(key) + "\"");
  return JsonView(*child, *file_, child_path(key));
}

size_t JsonView::size() const {
  expect(JsonValue::Kind::Array, "an array");
  return v_->array_size();
}

JsonView JsonView::operator[](size_t index) const {
  expect(JsonValue::Kind::Array, "an array");
  if (!v_->items.empty()) {
    if (index >= v_->items.size()) fail("index " + std::to_string(index) + " out of range");
    return JsonView(v_->items[index], *file_, index_path(index));
  }
  fail("expected an array of values, found an array of numbers");
}

std::string JsonView::str() const {
  expect(JsonValue::Kind::String, "a string");
  return v_->text;
}

double JsonView::f64() const {
  double special;
  if (v_->kind == JsonValue::Kind::String && special_number(v_->text, special)) return special;
  expect(JsonValue::Kind::Number, "a number");
  return v_->number.f64;
}

float JsonView::f32() const {
  double special;
  if (v_->kind == JsonValue::Kind::String && special_number(v_->text, special)) return static_cast<float>(special);
  expect(JsonValue::Kind::Number, "a number");
  return v_->number.f32;
}

int64_t JsonView::integer(int64_t min, int64_t max) const {
  expect(JsonValue::Kind::Number, "an integer");
  const JsonNumber& n = v_->number;
  if (!n.integral && n.f64 != std::trunc(n.f64)) fail("expected an integer, found " + describe(n));
  // (double)INT64_MAX rounds up to 2^63, which no int64 holds: compare below it.
  if (!(n.f64 >= static_cast<double>(min) && n.f64 <= static_cast<double>(max) && n.f64 < 0x1p63))
    fail("value " + describe(n) + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<int64_t>(n.f64);
}

bool JsonView::boolean() const {
  if (v_->kind == JsonValue::Kind::Bool) return v_->boolean;
  if (v_->kind == JsonValue::Kind::Number && (v_->number.f64 == 0 || v_->number.f64 == 1)) return v_->number.f64 == 1;
  fail(std::string("expected a boolean, found ") + kind_name(v_->kind));
}

std::vector<double> JsonView::f64_array() const {
  expect(JsonValue::Kind::Array, "an array of numbers");
  std::vector<double> out;
  out.reserve(v_->array_size());
  for (const JsonNumber& n : v_->numbers) out.push_back(n.f64);
  for (size_t i = 0; i < v_->items.size(); ++i) out.push_back(JsonView(v_->items[i], *file_, index_path(i)).f64());
  return out;
}

std::vector<double> JsonView::f32_array_widened() const {
  expect(JsonValue::Kind::Array, "an array of numbers");
  std::vector<double> out;
  out.reserve(v_->array_size());
  for (const JsonNumber& n : v_->numbers) out.push_back(n.f32);
  for (size_t i = 0; i < v_->items.size(); ++i) out.push_back(JsonView(v_->items[i], *file_, index_path(i)).f32());
  return out;
}

std::vector<int64_t> JsonView::int_array(int64_t min, int64_t max) const { return int_array_as<int64_t>(min, max); }

template <typename Int>
std::vector<Int> JsonView::int_array_as(int64_t min, int64_t max) const {
  expect(JsonValue::Kind::Array, "an array of integers");
  std::vector<Int> out(v_->array_size());
  Int* dst = out.data();
  const double lo = static_cast<double>(min), hi = static_cast<double>(max);
  const JsonNumber* numbers = v_->numbers.data();
  for (size_t i = 0, n = v_->numbers.size(); i < n; ++i) {
    const JsonNumber& x = numbers[i];
    // (double)INT64_MAX rounds up to 2^63, which no int64 holds: compare below it.
    if ((x.integral || x.f64 == std::trunc(x.f64)) && x.f64 >= lo && x.f64 <= hi && x.f64 < 0x1p63) {
      dst[i] = static_cast<Int>(static_cast<int64_t>(x.f64));
      continue;
    }
    if (!x.integral && x.f64 != std::trunc(x.f64))
      JsonView(*v_, *file_, index_path(i)).fail("expected an integer, found " + describe(x));
    JsonView(*v_, *file_, index_path(i))
        .fail("value " + describe(x) + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  for (size_t i = 0; i < v_->items.size(); ++i) {
    JsonView item(v_->items[i], *file_, index_path(i));
    // Booleans appear where old XGBoost versions wrote default_left (0/1 arrays only).
    const bool flag = item.kind() == JsonValue::Kind::Bool && min == 0 && max == 1;
    dst[i] = static_cast<Int>(flag ? item.boolean() : item.integer(min, max));
  }
  return out;
}

template std::vector<int64_t> JsonView::int_array_as<int64_t>(int64_t, int64_t) const;
template std::vector<int32_t> JsonView::int_array_as<int32_t>(int64_t, int64_t) const;
template std::vector<uint32_t> JsonView::int_array_as<uint32_t>(int64_t, int64_t) const;
template std::vector<uint8_t> JsonView::int_array_as<uint8_t>(int64_t, int64_t) const;
template std::vector<int8_t> JsonView::int_array_as<int8_t>(int64_t, int64_t) const;

std::vector<std::string> JsonView::string_array() const {
  expect(JsonValue::Kind::Array, "an array of strings");
  std::vector<std::string> out;
  if (!v_->numbers.empty()) JsonView(*v_, *file_, index_path(0)).fail("expected a string, found number");
  for (size_t i = 0; i < v_->items.size(); ++i) out.push_back(JsonView(v_->items[i], *file_, index_path(i)).str());
  return out;
}

}  // namespace xylem::formats
