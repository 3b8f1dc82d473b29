// UBJSON reader for the dialect XGBoost writes (src/common/json.cc, UBJWriter):
// big-endian scalars, object keys without the 'S' marker, counted arrays
// "[#L<n>" without a closing ']', typed arrays "[$<t>#L<n>", and plain '['...']'.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "formats/json_value.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

constexpr int kMaxDepth = 256;

class UbjsonParser {
 public:
  UbjsonParser(std::string_view bytes, const std::string& source) : s_(bytes), source_(source) {}

  JsonValue parse_document() {
    JsonValue root;
    parse_value(root, next_byte(), 0);
    if (pos_ != s_.size()) fail("unexpected bytes after the end of the document");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": byte " + std::to_string(pos_) + ": " + what);
  }

  char next_byte() {
    if (pos_ >= s_.size()) fail("unexpected end of input (the file is truncated?)");
    return s_[pos_++];
  }

  // The big-endian T at p.
  template <typename T>
  static T decode_big_endian(const char* p) {
    std::make_unsigned_t<T> u;
    std::memcpy(&u, p, sizeof(T));
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
      if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
      else if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
      else u = __builtin_bswap64(u);
    }
    return static_cast<T>(u);
  }

  template <typename T>
  T read_big_endian() {
    if (s_.size() - pos_ < sizeof(T)) fail("unexpected end of input (the file is truncated?)");
    const T value = decode_big_endian<T>(s_.data() + pos_);
    pos_ += sizeof(T);
    return value;
  }

  int64_t read_integer(char marker) {
    switch (marker) {
      case 'i': return read_big_endian<int8_t>();
      case 'U': return read_big_endian<uint8_t>();
      case 'I': return read_big_endian<int16_t>();
      case 'l': return read_big_endian<int32_t>();
      case 'L': return read_big_endian<int64_t>();
      default: fail(std::string("expected an integer marker, found '") + printable(marker) + "'");
    }
  }

  static std::string printable(char c) {
    if (c >= 0x20 && c < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
    return buf;
  }

  // A length or count, checked against what is left of the input so that an absurd
  // value is reported instead of allocated.
  size_t read_count(size_t min_bytes_each) {
    int64_t n = read_integer(next_byte());
    if (n < 0) fail("negative length " + std::to_string(n));
    size_t remaining = s_.size() - pos_;
    if (static_cast<uint64_t>(n) > remaining / std::max<size_t>(min_bytes_each, 1))
      fail("length " + std::to_string(n) + " exceeds the " + std::to_string(remaining) +
           " bytes left in the file");
    return static_cast<size_t>(n);
  }

  std::string read_string_body() {
    size_t n = read_count(1);
    std::string out(s_.data() + pos_, n);
    pos_ += n;
    return out;
  }

  static size_t scalar_size(char marker) {
    switch (marker) {
      case 'i': case 'U': case 'C': return 1;
      case 'I': return 2;
      case 'l': case 'd': return 4;
      case 'L': case 'D': return 8;
      default: return 0;
    }
  }

  // One number of each UBJSON type as a JsonNumber.
  static void set_number(float f, JsonNumber& n) {
    n.f32 = f;
    n.f64 = f;
  }
  static void set_number(double d, JsonNumber& n) {
    n.f64 = d;
    n.f32 = static_cast<float>(d);
  }
  static void set_number(int64_t v, JsonNumber& n) {
    n.f64 = static_cast<double>(v);
    n.f32 = static_cast<float>(v);
    n.integral = std::fabs(n.f64) < 9007199254740992.0;
  }

  // Decodes n big-endian elements of a typed array at p (bounds already checked);
  // Raw is how they are stored, T what they mean (a float's bits in a uint32_t).
  template <typename Raw, typename T>
  static void read_typed(const char* p, size_t n, JsonNumber* dst) {
    for (size_t i = 0; i < n; ++i) {
      const Raw raw = decode_big_endian<Raw>(p + i * sizeof(Raw));
      if constexpr (std::is_floating_point_v<T>) set_number(std::bit_cast<T>(raw), dst[i]);
      else set_number(static_cast<int64_t>(raw), dst[i]);
    }
  }

  void read_number(char marker, JsonNumber& n) {
    switch (marker) {
      case 'd': return set_number(std::bit_cast<float>(read_big_endian<uint32_t>()), n);
      case 'D': return set_number(std::bit_cast<double>(read_big_endian<uint64_t>()), n);
      default: return set_number(read_integer(marker), n);
    }
  }

  void parse_value(JsonValue& out, char marker, int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    switch (marker) {
      case 'Z': out.kind = JsonValue::Kind::Null; return;
      case 'N': fail("no-op marker 'N' is not supported");
      case 'T': out.kind = JsonValue::Kind::Bool; out.boolean = true; return;
      case 'F': out.kind = JsonValue::Kind::Bool; out.boolean = false; return;
      case 'S': out.kind = JsonValue::Kind::String; out.text = read_string_body(); return;
      case 'C':
        out.kind = JsonValue::Kind::String;
        out.text = std::string(1, next_byte());
        return;
      case 'H': fail("high-precision number marker 'H' is not supported");
      case 'i': case 'U': case 'I': case 'l': case 'L': case 'd': case 'D':
        out.kind = JsonValue::Kind::Number;
        read_number(marker, out.number);
        return;
      case '[': parse_array(out, depth); return;
      case '{': parse_object(out, depth); return;
      default:
        --pos_;
        fail(std::string("unknown UBJSON marker '") + printable(marker) + "'");
    }
  }

  void parse_array(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Array;
    char c = next_byte();
    if (c == '$') {
      char type = next_byte();
      size_t size = scalar_size(type);
      if (size == 0) fail(std::string("unsupported typed-array element type '") + printable(type) + "'");
      if (next_byte() != '#') fail("typed array without a count");
      size_t n = read_count(size);
      if (type == 'C') fail("typed array of characters is not supported");
      // read_count checked that the n elements are in the input.
      out.numbers.resize(n);
      const char* p = s_.data() + pos_;
      JsonNumber* dst = out.numbers.data();
      switch (type) {
        case 'd': read_typed<uint32_t, float>(p, n, dst); break;
        case 'D': read_typed<uint64_t, double>(p, n, dst); break;
        case 'i': read_typed<int8_t, int8_t>(p, n, dst); break;
        case 'U': read_typed<uint8_t, uint8_t>(p, n, dst); break;
        case 'I': read_typed<int16_t, int16_t>(p, n, dst); break;
        case 'l': read_typed<int32_t, int32_t>(p, n, dst); break;
        case 'L': read_typed<int64_t, int64_t>(p, n, dst); break;
      }
      pos_ += n * size;
      return;
    }
    if (c == '#') {
      size_t n = read_count(1);
      out.items.reserve(n);
      bool all_numbers = true;
      for (size_t i = 0; i < n; ++i) {
        out.items.emplace_back();
        parse_value(out.items.back(), next_byte(), depth + 1);
        all_numbers = all_numbers && out.items.back().kind == JsonValue::Kind::Number;
      }
      if (all_numbers && n > 0) compact_numbers(out);
      return;
    }
    // Uncounted array, terminated by ']'.
    char marker = c;
    bool all_numbers = true;
    while (marker != ']') {
      out.items.emplace_back();
      parse_value(out.items.back(), marker, depth + 1);
      all_numbers = all_numbers && out.items.back().kind == JsonValue::Kind::Number;
      marker = next_byte();
    }
    if (all_numbers && !out.items.empty()) compact_numbers(out);
  }

  static void compact_numbers(JsonValue& array) {
    array.numbers.reserve(array.items.size());
    for (const JsonValue& v : array.items) array.numbers.push_back(v.number);
    array.items.clear();
    array.items.shrink_to_fit();
  }

  void parse_object(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::Object;
    if (pos_ < s_.size() && (s_[pos_] == '$' || s_[pos_] == '#'))
      fail("optimized (typed or counted) objects are not supported");
    while (true) {
      char c = next_byte();
      if (c == '}') return;
      --pos_;
      std::string key = read_string_body();
      out.members.emplace_back(std::move(key), JsonValue{});
      parse_value(out.members.back().second, next_byte(), depth + 1);
    }
  }

  std::string_view s_;
  const std::string& source_;
  size_t pos_ = 0;
};

}  // namespace

JsonValue parse_ubjson(std::string_view bytes, const std::string& source_name) {
  return UbjsonParser(bytes, source_name).parse_document();
}

}  // namespace xylem::formats
