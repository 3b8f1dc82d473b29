// category_key() and city_hash64_short(): the keys categorical nodes look up, checked
// against values CatBoost 1.2.10 itself computed (models/catboost/1.2.10/
// cat_hash_vectors.json) and against the Truncate rule's edge cases worked out by hand.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "engine/ir/category_key.h"
#include "formats/json_value.h"
#include "tests/test_support.h"
#include "xylem/xylem.h"

namespace xylem::testing {
namespace {

using ir::CategoryKey;
using ir::CategoryRule;
constexpr double kInf = std::numeric_limits<double>::infinity();

CategoryRule catboost_rule() {
  CategoryRule r;
  r.key = CategoryKey::DecimalHash;
  r.limit = 4294967296.0;
  r.invalid_to_default = true;
  return r;
}

uint32_t low32(uint64_t v) { return static_cast<uint32_t>(v); }

// ExactInteger (ONNX equality splits, HistGradientBoosting): an int32 value's bits are
// its key; fractions, values outside int32 and keys at or above the limit are invalid.
TEST(CategoryKey, ExactIntegerKeysAreInt32Bits) {
  CategoryRule r;
  r.key = CategoryKey::ExactInteger;
  r.limit = 4294967296.0;
  EXPECT_EQ(ir::category_key(r, 0.0), 0u);
  EXPECT_EQ(ir::category_key(r, -0.0), 0u);
  EXPECT_EQ(ir::category_key(r, 7.0), 7u);
  EXPECT_EQ(ir::category_key(r, -1.0), 4294967295u);
  EXPECT_EQ(ir::category_key(r, -2147483648.0), 2147483648u);
  EXPECT_EQ(ir::category_key(r, 2147483647.0), 2147483647u);
  for (double invalid : {2.5, -0.5, 1e-300, 2147483648.0, -2147483649.0, 1e30, kInf, -kInf})
    EXPECT_FALSE(ir::category_key(r, invalid).has_value()) << invalid;
  r.limit = 2147483648.0;  // negatives invalid (their keys are >= 2^31)
  EXPECT_FALSE(ir::category_key(r, -1.0).has_value());
  EXPECT_EQ(ir::category_key(r, 5.0), 5u);
}

TEST(CityHash64, EmptyStringIsTheK2Constant) {
  // CityHash64 v1.0 of no bytes returns k2 itself.
  EXPECT_EQ(ir::city_hash64_short(""), 0x9ae16a3b2f90404fULL);
}

TEST(CategoryKey, DecimalHashMatchesCatBoostForIntegers) {
  const CategoryRule rule = catboost_rule();
  struct Vector {
    double value;
    uint32_t key;
  };
  // Keys CatBoost 1.2.10 computed for these integer categories.
  const Vector vectors[] = {
      {0, 2856682258u},           {5, 3014803941u},          {-1, 288298918u},
      {10, 2957118694u},          {123456, 2564628181u},     {10000000000.0, 1043498267u},
      {2147483648.0, 1506064545u}, {10000000001.0, 3804315932u}, {9007199254740992.0, 371926911u},
  };
  for (const Vector& v : vectors) {
    std::optional<uint32_t> key = ir::category_key(rule, v.value);
    ASSERT_TRUE(key.has_value()) << v.value;
    EXPECT_EQ(*key, v.key) << v.value;
  }
}

TEST(CategoryKey, DecimalHashOfTheLimitsOfInt64) {
  const CategoryRule rule = catboost_rule();
  // -2^63 is an int64 and hashes as "-9223372036854775808" (CatBoost: 953718104).
  ASSERT_TRUE(ir::category_key(rule, -0x1p63).has_value());
  EXPECT_EQ(*ir::category_key(rule, -0x1p63), 953718104u);
  // 2^63 is one past the largest int64: not a category.
  EXPECT_FALSE(ir::category_key(rule, 0x1p63).has_value());
  EXPECT_FALSE(ir::category_key(rule, 1e19).has_value());
  EXPECT_FALSE(ir::category_key(rule, -1e19).has_value());
  // The largest double below 2^63 is an int64 (9223372036854774784).
  const double below = std::nextafter(0x1p63, 0.0);
  ASSERT_TRUE(ir::category_key(rule, below).has_value());
  EXPECT_EQ(*ir::category_key(rule, below), low32(ir::city_hash64_short("9223372036854774784")));
}

TEST(CategoryKey, DecimalHashRejectsNonIntegers) {
  const CategoryRule rule = catboost_rule();
  EXPECT_FALSE(ir::category_key(rule, 2.5).has_value());
  EXPECT_FALSE(ir::category_key(rule, -0.5).has_value());
  EXPECT_FALSE(ir::category_key(rule, std::nextafter(1.0, 2.0)).has_value());
  EXPECT_FALSE(ir::category_key(rule, 1e-300).has_value());
  EXPECT_FALSE(ir::category_key(rule, kInf).has_value());
  EXPECT_FALSE(ir::category_key(rule, -kInf).has_value());
}

TEST(CategoryKey, DecimalHashOfMinusZeroIsTheHashOfZero) {
  // -0.0 is the integer 0, whose text is "0" (2856682258), not "-0" (2215455997).
  const CategoryRule rule = catboost_rule();
  ASSERT_TRUE(ir::category_key(rule, -0.0).has_value());
  EXPECT_EQ(*ir::category_key(rule, -0.0), 2856682258u);
  EXPECT_EQ(low32(ir::city_hash64_short("-0")), 2215455997u);
}

TEST(CategoryKey, DecimalHashIgnoresTheTruncateLimitAndSignRules) {
  // limit and negative_fraction_is_zero belong to Truncate; a hashed key can be any
  // 32-bit value and negative integers are categories.
  CategoryRule rule = catboost_rule();
  rule.limit = 10;
  EXPECT_EQ(ir::category_key(rule, 123456), 2564628181u);
  EXPECT_EQ(ir::category_key(rule, -1), 288298918u);
}

// Every vector of the fixture file that city_hash64_short can take (up to 32 bytes),
// strings and integers, and every integer one through category_key.
TEST(CityHash64, MatchesCatBoostVectorsFile) {
  const std::string path = models_dir() + "/catboost/1.2.10/cat_hash_vectors.json";
  const formats::JsonValue doc = formats::parse_json_text(read_file(path), path);
  const formats::JsonValue* vectors = doc.find("vectors");
  ASSERT_NE(vectors, nullptr);
  const CategoryRule rule = catboost_rule();
  int hashed = 0, long_strings = 0, integers = 0;
  std::vector<size_t> lengths_seen;
  for (const formats::JsonValue& v : vectors->items) {
    const std::string& text = v.find("string")->text;
    const uint32_t expected = static_cast<uint32_t>(v.find("hash_u32")->number.f64);
    if (text.size() > 32) continue;
    EXPECT_EQ(low32(ir::city_hash64_short(text)), expected) << '"' << text << "\" (" << text.size() << " bytes)";
    ++hashed;
    if (text.size() >= 17) ++long_strings;
    // Integers in int64 range whose shortest decimal text is the string itself
    // (so not "-0" or "18446744073709551615") and that a double holds exactly.
    int64_t n = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) continue;
    if (std::to_string(n) != text || static_cast<int64_t>(static_cast<double>(n)) != n) continue;
    if (n == std::numeric_limits<int64_t>::max()) continue;  // 2^63 - 1 is not a double
    std::optional<uint32_t> key = ir::category_key(rule, static_cast<double>(n));
    ASSERT_TRUE(key.has_value()) << text;
    EXPECT_EQ(*key, expected) << text;
    ++integers;
  }
  // The file holds the lengths that take each branch of CityHash64 (0, 1-3, 4-8, 9-16, 17-32),
  // multi-byte UTF-8 ("é", "日本語") and integers up to 20 digits.
  EXPECT_GE(hashed, 30);
  EXPECT_GE(long_strings, 4);  // "-9223372036854775808", 17, 31 and 32 x's ...
  EXPECT_GE(integers, 15);
}

TEST(CategoryKey, TruncateCutsTowardZero) {
  CategoryRule rule;  // XGBoost: negatives invalid, limit 2^24
  EXPECT_EQ(ir::category_key(rule, 2.9), 2u);
  EXPECT_EQ(ir::category_key(rule, 0.0), 0u);
  EXPECT_EQ(ir::category_key(rule, -0.0), 0u);  // -0.0 >= 0.0
  EXPECT_EQ(ir::category_key(rule, 16777215.0), 16777215u);
  EXPECT_EQ(ir::category_key(rule, std::nextafter(16777216.0, 0.0)), 16777215u);
  EXPECT_FALSE(ir::category_key(rule, 16777216.0).has_value());  // == limit
  EXPECT_FALSE(ir::category_key(rule, kInf).has_value());
  EXPECT_FALSE(ir::category_key(rule, -kInf).has_value());
}

TEST(CategoryKey, TruncateNegativeFractions) {
  CategoryRule xgboost;  // negative_fraction_is_zero = false
  EXPECT_FALSE(ir::category_key(xgboost, -0.5).has_value());
  EXPECT_FALSE(ir::category_key(xgboost, -1e-300).has_value());
  EXPECT_FALSE(ir::category_key(xgboost, -1.0).has_value());

  CategoryRule lightgbm;
  lightgbm.negative_fraction_is_zero = true;  // (int)-0.5 == 0
  lightgbm.limit = 2147483648.0;
  EXPECT_EQ(ir::category_key(lightgbm, -0.5), 0u);
  EXPECT_EQ(ir::category_key(lightgbm, std::nextafter(-1.0, 0.0)), 0u);
  EXPECT_FALSE(ir::category_key(lightgbm, -1.0).has_value());
  EXPECT_FALSE(ir::category_key(lightgbm, -2.5).has_value());
  EXPECT_EQ(ir::category_key(lightgbm, 2147483647.5), 2147483647u);
  EXPECT_FALSE(ir::category_key(lightgbm, 2147483648.0).has_value());
}

TEST(CategoryKey, TruncateLimitIsExclusive) {
  CategoryRule rule;
  rule.limit = 4294967296.0;  // 2^32: every uint32 key
  EXPECT_EQ(ir::category_key(rule, 4294967295.0), 4294967295u);
  EXPECT_EQ(ir::category_key(rule, 4294967295.75), 4294967295u);
  EXPECT_FALSE(ir::category_key(rule, 4294967296.0).has_value());
  rule.limit = 3;
  EXPECT_EQ(ir::category_key(rule, 2.999), 2u);
  EXPECT_FALSE(ir::category_key(rule, 3.0).has_value());
}

}  // namespace
}  // namespace xylem::testing
