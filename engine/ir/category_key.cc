#include "engine/ir/category_key.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace xylem::ir {
namespace {

constexpr uint64_t kPrime0 = 0xc3a5c85c97cb3127ULL;
constexpr uint64_t kPrime1 = 0xb492b66fbe98f273ULL;
constexpr uint64_t kPrime2 = 0x9ae16a3b2f90404fULL;
constexpr uint64_t kPrime3 = 0xc949d7c7509e6557ULL;

// Little-endian loads, whatever the host.
uint64_t load64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t load32(const char* p) {
  uint64_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t rotate(uint64_t v, int shift) { return shift == 0 ? v : (v >> shift) | (v << (64 - shift)); }
uint64_t shift_mix(uint64_t v) { return v ^ (v >> 47); }

// Murmur-style mix of 128 bits (low, high) to 64.
uint64_t hash_128_to_64(uint64_t low, uint64_t high) {
  constexpr uint64_t kMul = 0x9ddfea08eb382d69ULL;
  uint64_t a = (low ^ high) * kMul;
  a ^= a >> 47;
  uint64_t b = (high ^ a) * kMul;
  b ^= b >> 47;
  return b * kMul;
}

uint64_t hash_0_to_16(const char* s, size_t len) {
  if (len > 8) {
    const uint64_t a = load64(s), b = load64(s + len - 8);
    return hash_128_to_64(a, rotate(b + len, static_cast<int>(len))) ^ b;
  }
  if (len >= 4) {
    const uint64_t a = load32(s);
    return hash_128_to_64(len + (a << 3), load32(s + len - 4));
  }
  if (len > 0) {
    const uint32_t a = static_cast<uint8_t>(s[0]), b = static_cast<uint8_t>(s[len >> 1]),
                   c = static_cast<uint8_t>(s[len - 1]);
    const uint32_t y = a + (b << 8);
    const uint32_t z = static_cast<uint32_t>(len) + (c << 2);
    return shift_mix(y * kPrime2 ^ z * kPrime3) * kPrime2;
  }
  return kPrime2;
}

uint64_t hash_17_to_32(const char* s, size_t len) {
  const uint64_t a = load64(s) * kPrime1;
  const uint64_t b = load64(s + 8);
  const uint64_t c = load64(s + len - 8) * kPrime2;
  const uint64_t d = load64(s + len - 16) * kPrime0;
  return hash_128_to_64(rotate(a - b, 43) + rotate(c, 30) + d, a + rotate(b ^ kPrime3, 20) - c + len);
}

}  // namespace

uint64_t city_hash64_short(std::string_view bytes) {
  return bytes.size() <= 16 ? hash_0_to_16(bytes.data(), bytes.size()) : hash_17_to_32(bytes.data(), bytes.size());
}

std::optional<uint32_t> category_key(const CategoryRule& rule, double value) {
  if (rule.key == CategoryKey::DecimalHash) {
    // Integers in int64 range only: CatBoost refuses fractional category values.
    if (!(value >= -0x1p63 && value < 0x1p63) || value != std::trunc(value)) return std::nullopt;
    char text[24];
    auto r = std::to_chars(text, text + sizeof text, static_cast<int64_t>(value));
    return static_cast<uint32_t>(city_hash64_short(std::string_view(text, r.ptr - text)));
  }
  if (rule.key == CategoryKey::ExactInteger) {  // an int32, its two's-complement bits as the key
    if (!(value >= -0x1p31 && value < 0x1p31) || value != std::trunc(value)) return std::nullopt;
    const uint32_t key = static_cast<uint32_t>(static_cast<int32_t>(value));
    if (key >= rule.limit) return std::nullopt;
    return key;
  }
  const bool valid = (rule.negative_fraction_is_zero ? value > -1.0 : value >= 0.0) && value < rule.limit;
  if (!valid) return std::nullopt;
  return static_cast<uint32_t>(std::trunc(std::fabs(value)));
}

}  // namespace xylem::ir
