// Recursive-descent JSON parser producing JsonValue. Errors carry line and column.
#include <bit>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <limits>

#include "formats/json_value.h"
#include "xylem/error.h"

namespace xylem::formats {

const char* kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::Null: return "null";
    case JsonValue::Kind::Bool: return "boolean";
    case JsonValue::Kind::Number: return "number";
    case JsonValue::Kind::String: return "string";
    case JsonValue::Kind::Array: return "array";
    case JsonValue::Kind::Object: return "object";
  }
  return "?";
}

namespace {

// Deeper nesting than any model format needs; the limit keeps hostile input from
// overflowing the stack.
constexpr int kMaxDepth = 256;

class TextParser {
 public:
  TextParser(std::string_view text, const std::string& source) : s_(text), source_(source) {}

  JsonValue parse_document() {
    JsonValue root;
    skip_space();
    parse_value(root, 0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected content after the end of the JSON document");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw Error(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') ++pos_;
      else break;
    }
  }

  bool consume_word(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  void parse_value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (pos_ >= s_.size()) fail("unexpected end of input (the file is truncated?)");
    char c = s_[pos_];
    switch (c) {
      case '{': parse_object(out, depth); return;
      case '[': parse_array(out, depth); return;
      case '"':
        out.kind = JsonValue::Kind::String;
        parse_string(out.text);
        return;
      case 't':
        if (!consume_word("true")) fail("invalid token");
        out.kind = JsonValue::Kind::Bool;
        out.boolean = true;
        return;
      case 'f':
        if (!consume_word("false")) fail("invalid token");
        out.kind = JsonValue::Kind::Bool;
        out.boolean = false;
        return;
      case 'n':
        if (!consume_word("null")) fail("invalid token");
        out.kind = JsonValue::Kind::Null;
        return;
      default:
        out.kind = JsonValue::Kind::Number;
        parse_number(out.number);
        return;
    }
  }

  void parse_object(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Object;
    ++pos_;  // '{'
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return;
    }
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside an object");
      if (s_[pos_] != '"') fail("expected a string key");
      std::string key;
      parse_string(key);
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after object key");
      ++pos_;
      skip_space();
      out.members.emplace_back(std::move(key), JsonValue{});
      parse_value(out.members.back().second, depth + 1);
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside an object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in object");
    }
  }

  void parse_array(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Array;
    ++pos_;  // '['
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return;
    }
    bool all_numbers = true;
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside an array");
      char c = s_[pos_];
      bool looks_numeric = c == '-' || c == '+' || (c >= '0' && c <= '9') || c == 'N' || c == 'I';
      if (all_numbers && looks_numeric) {
        parse_number(scratch_.emplace_back());
      } else {
        if (all_numbers) {
          all_numbers = false;
          out.items.reserve(scratch_.size() + 1);
          for (const JsonNumber& n : scratch_) {
            JsonValue& v = out.items.emplace_back();
            v.kind = JsonValue::Kind::Number;
            v.number = n;
          }
          scratch_.clear();
        }
        out.items.emplace_back();
        parse_value(out.items.back(), depth + 1);
      }
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside an array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        if (all_numbers) {
          out.numbers.assign(scratch_.begin(), scratch_.end());
          scratch_.clear();
        }
        return;
      }
      fail("expected ',' or ']' in array");
    }
  }

  void parse_number(JsonNumber& n) {
    size_t start = pos_;
    bool negative = false;
    if (s_[pos_] == '-' || s_[pos_] == '+') {
      negative = s_[pos_] == '-';
      ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'N' || s_[pos_] == 'I')) {
      if (consume_word("NaN")) {
        n.f64 = std::numeric_limits<double>::quiet_NaN();
        n.f32 = std::numeric_limits<float>::quiet_NaN();
        return;
      }
      if (consume_word("Infinity")) {
        n.f64 = negative ? -HUGE_VAL : HUGE_VAL;
        n.f32 = static_cast<float>(n.f64);
        return;
      }
    }
    size_t digits_start = pos_;
    bool integral = true;
    // The usual case: a well-formed number whose token ends where the number does.
    const char* end = s_.data() + s_.size();
    const char* stop = fast_number(s_.data() + pos_, end, negative, n, integral);
    if (stop && (stop == end || !is_number_char(*stop))) {
      pos_ = static_cast<size_t>(stop - s_.data());
      n.integral = integral && std::fabs(n.f64) < 9007199254740992.0;
      return;
    }
    // The token: digits, '.', 'e', 'E', and signs after its first character.
    integral = true;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || ((c == '-' || c == '+') && pos_ > digits_start)) {
        integral = false;
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ == digits_start) fail(pos_ == s_.size() ? "unexpected end of input in a number" : "invalid token (expected a value)");
    slow_number(start, n);
    n.integral = integral && std::fabs(n.f64) < 9007199254740992.0;
  }

  static bool is_number_char(char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
  }

  // The general path: std::from_chars for both precisions (correctly rounded).
  void slow_number(size_t start, JsonNumber& n) {
    // from_chars does not take a leading '+'.
    const char* first = s_.data() + (s_[start] == '+' ? start + 1 : start);
    const char* last = s_.data() + pos_;
    auto r64 = std::from_chars(first, last, n.f64);
    // Out-of-range values become +-inf or 0 as strtod gives; malformed text is an error.
    if (r64.ec == std::errc::invalid_argument || r64.ptr != last) {
      pos_ = start;
      fail("malformed number");
    }
    if (r64.ec == std::errc::result_out_of_range)
      n.f64 = std::strtod(std::string(first, last).c_str(), nullptr);
    if (float_from_double(n.f64, n.f32)) return;
    auto r32 = std::from_chars(first, last, n.f32);
    if (r32.ec == std::errc::result_out_of_range)
      n.f32 = std::strtof(std::string(first, last).c_str(), nullptr);
  }

  // The float nearest to the decimal number whose correctly rounded double is `d`,
  // when `d` tells it: double rounding (decimal -> double -> float) can only differ
  // from rounding straight to float when `d` lies exactly halfway between two floats
  // (every such midpoint is a double, so rounding to double cannot cross one). Only
  // for normal floats; false when the float must be parsed from the text.
  static bool float_from_double(double d, float& out) {
    const double a = std::fabs(d);
    if (a == 0) {
      out = static_cast<float>(d);
      return true;
    }
    if (!(a >= 0x1p-126 && a < 0x1p127)) return false;
    // The 29 low fraction bits are what float drops; exactly 100...0 is a midpoint.
    if ((std::bit_cast<uint64_t>(d) & 0x1FFFFFFFu) == 0x10000000u) return false;
    out = static_cast<float>(d);
    return true;
  }

  // Reads a decimal number (digits, optional fraction, optional exponent) starting at
  // `p`, when it has at most 19 significant digits and a small exponent, as the numbers
  // of model files do, and converts it exactly (Clinger's fast path: the digits and the
  // power of ten are both exact doubles, so one division or multiplication rounds
  // correctly). Returns where the number ends, or nullptr (leaving `n` untouched) for
  // anything else, malformed text included, which the general path then handles.
  static const char* fast_number(const char* p, const char* last, bool negative, JsonNumber& n, bool& integral) {
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    static constexpr float kPow10f[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    uint64_t mantissa = 0;
    const char* begin = p;
    while (p < last && *p == '0') ++p;  // leading zeros are not significant digits
    const char* significant = p;
    // Wraps around beyond 19 digits, which are refused below.
    for (; p < last && *p >= '0' && *p <= '9'; ++p) mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    ptrdiff_t digits = p - significant;
    bool any_digit = p != begin;
    int exponent = 0;
    integral = true;
    if (p < last && *p == '.') {
      integral = false;
      const char* fraction = ++p;
      if (mantissa == 0)
        while (p < last && *p == '0') ++p;
      significant = p;
      for (; p < last && *p >= '0' && *p <= '9'; ++p) mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
      digits += p - significant;
      // "1." and ".5" are not JSON: the general path decides what they are.
      if (p == fraction || fraction == begin + 1) return nullptr;
      if (p - fraction > 100000) return nullptr;
      exponent = -static_cast<int>(p - fraction);
      any_digit = any_digit || p != fraction;
    }
    if (!any_digit || digits > 19) return nullptr;
    if (p < last && (*p == 'e' || *p == 'E')) {
      integral = false;
      ++p;
      bool exp_negative = false;
      if (p < last && (*p == '-' || *p == '+')) exp_negative = *p++ == '-';
      if (p == last || *p < '0' || *p > '9') return nullptr;
      int e = 0;
      for (; p < last && *p >= '0' && *p <= '9'; ++p) {
        if (e > 100000) return nullptr;
        e = e * 10 + (*p - '0');
      }
      exponent += exp_negative ? -e : e;
    }
    double d;
    float f;
    if (mantissa == 0) {
      d = 0;
      f = 0;
    } else if (exponent == 0 && mantissa < (uint64_t{1} << 63)) {
      // An integer: converting the exact value rounds correctly to either precision.
      d = static_cast<double>(static_cast<int64_t>(mantissa));
      f = static_cast<float>(static_cast<int64_t>(mantissa));
    } else {
      if (mantissa > (uint64_t{1} << 53) || exponent < -22 || exponent > 22) return nullptr;
      const double m = static_cast<double>(mantissa);
      d = exponent < 0 ? m / kPow10[-exponent] : m * kPow10[exponent];
      if (mantissa <= (uint64_t{1} << 24) && exponent >= -10 && exponent <= 10) {
        const float mf = static_cast<float>(mantissa);
        f = exponent < 0 ? mf / kPow10f[-exponent] : mf * kPow10f[exponent];
      } else if (!float_from_double(d, f)) {
        return nullptr;
      }
    }
    n.f64 = negative ? -d : d;
    n.f32 = negative ? -f : f;
    return p;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t parse_hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("invalid \\u escape");
    }
    return v;
  }

  void parse_string(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        fail("control character inside a string");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parse_hex4();
          if (cp >= 0xDC00 && cp < 0xE000) fail("unpaired low surrogate in \\u escape");
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (s_.substr(pos_, 2) != "\\u") fail("unpaired high surrogate in \\u escape");
            pos_ += 2;
            uint32_t low = parse_hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          fail("invalid escape in string");
      }
    }
  }

  std::string_view s_;
  const std::string& source_;
  size_t pos_ = 0;
  // The numbers of the array being read, while all its elements are numbers; copied
  // into the array, exactly sized, at its end. One buffer serves every array: an
  // array stops collecting numbers before it parses a nested value.
  std::vector<JsonNumber> scratch_;
};

}  // namespace

JsonValue parse_json_text(std::string_view text, const std::string& source_name) {
  return TextParser(text, source_name).parse_document();
}

}  // namespace xylem::formats
