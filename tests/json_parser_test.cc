// The two document readers under every model format: the JSON text parser
// (formats/json_text_parser.cc) and the UBJSON parser (formats/ubjson_parser.cc).
//
// What matters here beyond plain JSON: XGBoost writes NaN/Infinity tokens and needs
// numbers parsed straight to float32; every error must say where (line:column for
// text, byte offset for UBJSON) and what; and hostile input (deep nesting, absurd
// counts) must give an error, not a stack overflow or a huge allocation.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "formats/json_value.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

using Kind = JsonValue::Kind;

// The message of the xylem::Error that `parse` throws; a test failure (and "") when
// it throws nothing or something else.
template <typename Parse>
std::string error_of(Parse&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected xylem::Error, got another exception: " << e.what();
    return "";
  } catch (...) {
    ADD_FAILURE() << "expected xylem::Error, got a non-standard exception";
    return "";
  }
  ADD_FAILURE() << "expected xylem::Error, nothing was thrown";
  return "";
}

std::string text_error(std::string_view text, const std::string& name = "doc.json") {
  return error_of([&] { parse_json_text(text, name); });
}

std::string ubjson_error(std::string_view bytes, const std::string& name = "doc.ubj") {
  return error_of([&] { parse_ubjson(bytes, name); });
}

bool contains(const std::string& s, std::string_view fragment) { return s.find(fragment) != std::string::npos; }

// ---------------------------------------------------------------------------
// JSON text
// ---------------------------------------------------------------------------

TEST(JsonTextParser, ParsesObjectsArraysAndScalars) {
  JsonValue v = parse_json_text(
      R"( {"a": 1, "b": [true, false, null], "c": {"d": "x", "e": {}}, "f": [], "g": "", "h": null} )", "t");
  ASSERT_EQ(v.kind, Kind::Object);
  ASSERT_EQ(v.members.size(), 6u);
  // Members keep file order.
  EXPECT_EQ(v.members[0].first, "a");
  EXPECT_EQ(v.members[5].first, "h");

  const JsonValue* a = v.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, Kind::Number);
  EXPECT_EQ(a->number.f64, 1.0);

  const JsonValue* b = v.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->kind, Kind::Array);
  ASSERT_EQ(b->array_size(), 3u);
  ASSERT_EQ(b->items.size(), 3u);
  EXPECT_EQ(b->items[0].kind, Kind::Bool);
  EXPECT_TRUE(b->items[0].boolean);
  EXPECT_EQ(b->items[1].kind, Kind::Bool);
  EXPECT_FALSE(b->items[1].boolean);
  EXPECT_EQ(b->items[2].kind, Kind::Null);

  const JsonValue* c = v.find("c");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->kind, Kind::Object);
  ASSERT_NE(c->find("d"), nullptr);
  EXPECT_EQ(c->find("d")->kind, Kind::String);
  EXPECT_EQ(c->find("d")->text, "x");
  ASSERT_NE(c->find("e"), nullptr);
  EXPECT_EQ(c->find("e")->kind, Kind::Object);
  EXPECT_TRUE(c->find("e")->members.empty());

  const JsonValue* f = v.find("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, Kind::Array);
  EXPECT_EQ(f->array_size(), 0u);

  EXPECT_EQ(v.find("g")->kind, Kind::String);
  EXPECT_EQ(v.find("g")->text, "");
  EXPECT_EQ(v.find("h")->kind, Kind::Null);
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(JsonTextParser, ScalarDocumentsAndWhitespace) {
  EXPECT_EQ(parse_json_text("true", "t").kind, Kind::Bool);
  EXPECT_EQ(parse_json_text(" \t\r\n null \n", "t").kind, Kind::Null);
  EXPECT_EQ(parse_json_text("\"s\"", "t").text, "s");
  EXPECT_EQ(parse_json_text("  -12.5 ", "t").number.f64, -12.5);
  JsonValue v = parse_json_text("{\n\t\"k\"\r\n :\n [ 1 ,\n 2 ] }", "t");
  ASSERT_NE(v.find("k"), nullptr);
  EXPECT_EQ(v.find("k")->array_size(), 2u);
}

TEST(JsonTextParser, ArraysOfNumbersAreCompact) {
  JsonValue v = parse_json_text("[1, 2.5, -3, 1e3]", "t");
  ASSERT_EQ(v.kind, Kind::Array);
  EXPECT_TRUE(v.items.empty());
  ASSERT_EQ(v.numbers.size(), 4u);
  EXPECT_EQ(v.array_size(), 4u);
  EXPECT_EQ(v.numbers[0].f64, 1.0);
  EXPECT_EQ(v.numbers[1].f64, 2.5);
  EXPECT_EQ(v.numbers[2].f64, -3.0);
  EXPECT_EQ(v.numbers[3].f64, 1000.0);

  // Numbers followed by another kind: everything moves to `items`, in order.
  JsonValue mixed = parse_json_text(R"([1, 2, "three", [4], {"five": 5}, 6])", "t");
  EXPECT_TRUE(mixed.numbers.empty());
  ASSERT_EQ(mixed.items.size(), 6u);
  EXPECT_EQ(mixed.array_size(), 6u);
  EXPECT_EQ(mixed.items[0].kind, Kind::Number);
  EXPECT_EQ(mixed.items[0].number.f64, 1.0);
  EXPECT_EQ(mixed.items[1].number.f64, 2.0);
  EXPECT_EQ(mixed.items[2].text, "three");
  ASSERT_EQ(mixed.items[3].kind, Kind::Array);
  EXPECT_EQ(mixed.items[3].numbers.size(), 1u);
  EXPECT_EQ(mixed.items[4].kind, Kind::Object);
  EXPECT_EQ(mixed.items[5].kind, Kind::Number);
  EXPECT_EQ(mixed.items[5].number.f64, 6.0);

  JsonValue strings_first = parse_json_text(R"(["a", 1])", "t");
  ASSERT_EQ(strings_first.items.size(), 2u);
  EXPECT_EQ(strings_first.items[1].kind, Kind::Number);
  EXPECT_EQ(strings_first.items[1].number.f64, 1.0);

  // Nested arrays of numbers are compact themselves.
  JsonValue nested = parse_json_text("[[1, 2], [3]]", "t");
  ASSERT_EQ(nested.items.size(), 2u);
  EXPECT_EQ(nested.items[0].numbers.size(), 2u);
  EXPECT_EQ(nested.items[1].numbers.size(), 1u);
}

TEST(JsonTextParser, StringEscapes) {
  JsonValue v = parse_json_text(R"("q\" b\\ s\/ \b\f\n\r\t end")", "t");
  EXPECT_EQ(v.text, std::string("q\" b\\ s/ \b\f\n\r\t end"));
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(parse_json_text("\"caf\xc3\xa9\"", "t").text, "caf\xc3\xa9");
}

TEST(JsonTextParser, UnicodeEscapesAndSurrogatePairs) {
  EXPECT_EQ(parse_json_text(R"("\u0041")", "t").text, "A");
  EXPECT_EQ(parse_json_text(R"("\u00e9\u00C9")", "t").text, "\xc3\xa9\xc3\x89");           // 2-byte UTF-8
  EXPECT_EQ(parse_json_text(R"("\u20ac")", "t").text, "\xe2\x82\xac");                     // 3-byte UTF-8
  EXPECT_EQ(parse_json_text(R"("\ud83d\ude00")", "t").text, "\xf0\x9f\x98\x80");           // U+1F600
  EXPECT_EQ(parse_json_text(R"("\uD834\uDD1E x")", "t").text, "\xf0\x9d\x84\x9e x");       // U+1D11E
  EXPECT_EQ(parse_json_text(R"("a\u0000b")", "t").text, std::string("a\0b", 3));
  // Escaped keys too.
  JsonValue o = parse_json_text(R"({"k\u00e9y": 1})", "t");
  EXPECT_NE(o.find("k\xc3\xa9y"), nullptr);
}

// Unpaired surrogates are errors: silently dropping the escape that follows a high
// surrogate, or writing a lone surrogate as (invalid) UTF-8, would corrupt names.
TEST(JsonTextParser, ErrorUnpairedSurrogates) {
  for (const char* text : {R"("\ud800\u0041")", R"("\ud800")", R"("\ud800x")", R"("\udc00")", R"("\udfff\ud800")",
                           R"("\ud800\ud800")", R"({"k\ud83d": 1})"}) {
    SCOPED_TRACE(text);
    std::string e = text_error(text);
    EXPECT_EQ(e.rfind("doc.json:1:", 0), 0u) << e;
    EXPECT_TRUE(contains(e, "surrogate")) << e;
  }
}

TEST(JsonTextParser, NumbersIntegralFlag) {
  struct Case {
    const char* text;
    double f64;
    bool integral;
  };
  for (const Case& c : {Case{"0", 0, true}, Case{"42", 42, true}, Case{"-7", -7, true},
                        Case{"9007199254740991", 9007199254740991.0, true},  // 2^53 - 1
                        Case{"9007199254740992", 9007199254740992.0, false},  // 2^53: no longer exact in general
                        Case{"1.0", 1, false}, Case{"1e2", 100, false}, Case{"1E2", 100, false},
                        Case{"-2.5e-1", -0.25, false}, Case{"1e+2", 100, false}}) {
    SCOPED_TRACE(c.text);
    JsonValue v = parse_json_text(c.text, "t");
    ASSERT_EQ(v.kind, Kind::Number);
    EXPECT_EQ(v.number.f64, c.f64);
    EXPECT_EQ(v.number.integral, c.integral);
    EXPECT_EQ(v.number.f32, static_cast<float>(c.f64));
    // The same in a compact array.
    JsonValue a = parse_json_text(std::string("[") + c.text + "]", "t");
    ASSERT_EQ(a.numbers.size(), 1u);
    EXPECT_EQ(a.numbers[0].f64, c.f64);
    EXPECT_EQ(a.numbers[0].integral, c.integral);
  }
}

// 1.0000001788139343261718749 lies just below the midpoint between the floats
// 1 + 2^-23 and 1 + 2^-22. Parsed straight to float it rounds down to 1 + 2^-23;
// through double it first rounds to the midpoint itself (exact in double), which
// then ties to even: 1 + 2^-22. XGBoost parses to float directly.
TEST(JsonTextParser, Float32IsParsedDirectlyNotThroughDouble) {
  const char* text = "1.0000001788139343261718749";
  const float direct = std::strtof(text, nullptr);
  const float via_double = static_cast<float>(std::strtod(text, nullptr));
  ASSERT_EQ(direct, 1.0f + 0x1p-23f);
  ASSERT_EQ(via_double, 1.0f + 0x1p-22f);  // the double-rounding trap is real for this input

  JsonValue v = parse_json_text(text, "t");
  EXPECT_EQ(v.number.f32, direct);
  EXPECT_EQ(v.number.f64, std::strtod(text, nullptr));
  EXPECT_FALSE(v.number.integral);

  JsonValue a = parse_json_text(std::string("[0, ") + text + ", -" + text + "]", "t");
  ASSERT_EQ(a.numbers.size(), 3u);
  EXPECT_EQ(a.numbers[1].f32, direct);
  EXPECT_EQ(a.numbers[2].f32, -direct);

  // A few everyday values agree with strtof.
  for (const char* s : {"0.1", "3.7154052E-1", "-1.312409E0", "1.1876358E2", "2.8626024E-8", "16777217"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(parse_json_text(s, "t").number.f32, std::strtof(s, nullptr));
    EXPECT_EQ(parse_json_text(s, "t").number.f64, std::strtod(s, nullptr));
  }
}

// The parser converts most numbers with a fast exact path (few digits, small
// exponent) and the rest with from_chars. Both must agree with strtod and strtof, in
// particular at float32 midpoints, where the fast path must not round through double.
TEST(JsonTextParser, EveryNumberShapeAgreesWithStrtodAndStrtof) {
  std::mt19937_64 rng(20261201);
  std::vector<std::string> texts = {"0", "-0", "0.0", "-0.0", "1e0", "1E-0", "123456789012345678", "1234567890123456789",
                                    "12345678901234567890", "9007199254740993", "16777217", "0.000001", "1e22", "1e23",
                                    "1e-22", "1e-23", "3.4028235e38", "3.4028236e38", "1.17549435e-38", "1e-45",
                                    "1.0000000596046447753906250", "1.00000005960464477539062501", "0.1e1", "0e5",
                                    "00012.5", "-0.00000000000000000000001"};
  // Every float32 midpoint of a few binades, written exactly: where double rounding breaks.
  for (float f : {1.0f, 0.75f, 3.0e-5f, 12345.678f, 7.0e20f}) {
    const double mid = (static_cast<double>(f) + static_cast<double>(std::nextafter(f, 1e30f))) / 2;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", mid);
    texts.push_back(buf);
    std::snprintf(buf, sizeof buf, "%.9e", mid);
    texts.push_back(buf);
  }
  for (int i = 0; i < 20000; ++i) {
    // Shapes as printers write them: %.Ng, %.Ne, shortest round-trip of random doubles and floats.
    const double mag = std::ldexp(static_cast<double>(rng() >> 11) * 0x1p-53, static_cast<int>(rng() % 140) - 70);
    const double x = (rng() & 1) ? -mag : mag;
    char buf[64];
    const int digits = 1 + static_cast<int>(rng() % 20);
    std::snprintf(buf, sizeof buf, (rng() & 1) ? "%.*g" : "%.*e", digits, x);
    texts.push_back(buf);
  }
  for (const std::string& t : texts) {
    SCOPED_TRACE(t);
    const JsonValue v = parse_json_text(t, "t");
    ASSERT_EQ(v.kind, Kind::Number);
    const double d = std::strtod(t.c_str(), nullptr);
    const float f = std::strtof(t.c_str(), nullptr);
    EXPECT_EQ(std::bit_cast<uint64_t>(v.number.f64), std::bit_cast<uint64_t>(d));
    EXPECT_EQ(std::bit_cast<uint32_t>(v.number.f32), std::bit_cast<uint32_t>(f));
    const JsonValue a = parse_json_text("[" + t + "]", "t");
    ASSERT_EQ(a.numbers.size(), 1u);
    EXPECT_EQ(std::bit_cast<uint32_t>(a.numbers[0].f32), std::bit_cast<uint32_t>(f));
  }
}

TEST(JsonTextParser, ErrorMalformedNumbersPassTheFastPathToTheGeneralOne) {
  // The fast path leaves malformed numbers to the general one, which reports them.
  EXPECT_NE(error_of([] { parse_json_text("-", "t"); }), "");
  EXPECT_NE(error_of([] { parse_json_text("[1e+]", "t"); }), "");
  EXPECT_NE(error_of([] { parse_json_text("[2, 1.5e]", "t"); }), "");
}

TEST(JsonTextParser, OutOfRangeNumbersSaturateAsStrtodDoes) {
  JsonValue big = parse_json_text("1e400", "t");
  EXPECT_TRUE(std::isinf(big.number.f64) && big.number.f64 > 0);
  EXPECT_TRUE(std::isinf(big.number.f32) && big.number.f32 > 0);

  JsonValue float_overflow = parse_json_text("-1e39", "t");
  EXPECT_EQ(float_overflow.number.f64, -1e39);
  EXPECT_TRUE(std::isinf(float_overflow.number.f32) && float_overflow.number.f32 < 0);

  JsonValue tiny = parse_json_text("1e-50", "t");
  EXPECT_EQ(tiny.number.f64, 1e-50);
  EXPECT_EQ(tiny.number.f32, 0.0f);
}

TEST(JsonTextParser, NaNAndInfinityTokensAsXGBoostWritesThem) {
  JsonValue v = parse_json_text(R"({"a": NaN, "b": Infinity, "c": -Infinity, "d": +Infinity, "e": -NaN})", "t");
  EXPECT_TRUE(std::isnan(v.find("a")->number.f64));
  EXPECT_TRUE(std::isnan(v.find("a")->number.f32));
  EXPECT_EQ(v.find("b")->number.f64, HUGE_VAL);
  EXPECT_EQ(v.find("b")->number.f32, HUGE_VALF);
  EXPECT_EQ(v.find("c")->number.f64, -HUGE_VAL);
  EXPECT_EQ(v.find("c")->number.f32, -HUGE_VALF);
  EXPECT_EQ(v.find("d")->number.f64, HUGE_VAL);
  EXPECT_TRUE(std::isnan(v.find("e")->number.f64));
  for (const char* k : {"a", "b", "c", "d"}) EXPECT_FALSE(v.find(k)->number.integral) << k;

  // In arrays they stay compact numbers (XGBoost writes split_conditions this way).
  JsonValue a = parse_json_text("[1.5,NaN,Infinity,-Infinity,2]", "t");
  ASSERT_EQ(a.numbers.size(), 5u);
  EXPECT_TRUE(a.items.empty());
  EXPECT_EQ(a.numbers[0].f32, 1.5f);
  EXPECT_TRUE(std::isnan(a.numbers[1].f32));
  EXPECT_EQ(a.numbers[2].f32, HUGE_VALF);
  EXPECT_EQ(a.numbers[3].f32, -HUGE_VALF);
  EXPECT_EQ(a.numbers[4].f64, 2.0);

  // Lower-case spellings are not JSON tokens.
  EXPECT_TRUE(contains(text_error("[nan]"), "doc.json:1:2: invalid token")) << text_error("[nan]");
  EXPECT_TRUE(contains(text_error("[inf]"), "doc.json:1:2: "));
  EXPECT_TRUE(contains(text_error("[Inf]"), "doc.json:1:2: "));
}

TEST(JsonTextParser, KindNames) {
  EXPECT_STREQ(kind_name(Kind::Null), "null");
  EXPECT_STREQ(kind_name(Kind::Bool), "boolean");
  EXPECT_STREQ(kind_name(Kind::Number), "number");
  EXPECT_STREQ(kind_name(Kind::String), "string");
  EXPECT_STREQ(kind_name(Kind::Array), "array");
  EXPECT_STREQ(kind_name(Kind::Object), "object");
}

// --- errors: "<source>:<line>:<column>: <what>" ---

TEST(JsonTextParser, ErrorTruncatedDocument) {
  EXPECT_EQ(text_error(""), "doc.json:1:1: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(text_error("  \n "), "doc.json:2:2: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(text_error("{"), "doc.json:1:2: unexpected end of input inside an object");
  EXPECT_EQ(text_error(R"({"a": )"), "doc.json:1:7: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(text_error(R"({"a": 1)"), "doc.json:1:8: unexpected end of input inside an object");
  EXPECT_EQ(text_error(R"({"a": [1, 2)"), "doc.json:1:12: unexpected end of input inside an array");
  EXPECT_EQ(text_error(R"({"a": ["x")"), "doc.json:1:11: unexpected end of input inside an array");
  EXPECT_EQ(text_error("{\n\"a\":\n[1,\n"), "doc.json:4:1: unexpected end of input inside an array");
  EXPECT_EQ(text_error(R"({"a)"), "doc.json:1:4: unterminated string");
  EXPECT_EQ(text_error(R"({"a")"), "doc.json:1:5: expected ':' after object key");
  EXPECT_EQ(text_error("tru"), "doc.json:1:1: invalid token");
  // Every proper prefix of a valid document is an error.
  const std::string doc = R"({"k": [1, -2.5e3, NaN, "s\u00e9\n", {"x": [true, null]}], "e": {}})";
  ASSERT_NO_THROW(parse_json_text(doc, "t"));
  for (size_t cut = 0; cut < doc.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_TRUE(contains(text_error(doc.substr(0, cut)), "doc.json:1:"));
  }
}

TEST(JsonTextParser, ErrorTrailingGarbage) {
  EXPECT_EQ(text_error(R"({"a": 1} x)"), "doc.json:1:10: unexpected content after the end of the JSON document");
  EXPECT_EQ(text_error("{}{}"), "doc.json:1:3: unexpected content after the end of the JSON document");
  EXPECT_EQ(text_error("[1]\n\n ]"), "doc.json:3:2: unexpected content after the end of the JSON document");
  EXPECT_EQ(text_error("1 2"), "doc.json:1:3: unexpected content after the end of the JSON document");
}

TEST(JsonTextParser, ErrorBadTokens) {
  EXPECT_EQ(text_error(R"({"a": tru})"), "doc.json:1:7: invalid token");
  EXPECT_EQ(text_error(R"({"a": nul})"), "doc.json:1:7: invalid token");
  EXPECT_EQ(text_error(R"({"a": fals})"), "doc.json:1:7: invalid token");
  EXPECT_EQ(text_error(R"({"a": @})"), "doc.json:1:7: invalid token (expected a value)");
  EXPECT_EQ(text_error(R"({"a": 'x'})"), "doc.json:1:7: invalid token (expected a value)");
  EXPECT_EQ(text_error(R"({"a": -})"), "doc.json:1:8: invalid token (expected a value)");
  EXPECT_EQ(text_error(R"({"a": 1.2.3})"), "doc.json:1:7: malformed number");
  EXPECT_EQ(text_error(R"({"a": 1e})"), "doc.json:1:7: malformed number");
  EXPECT_EQ(text_error(R"({"a": 1-2})"), "doc.json:1:7: malformed number");
  EXPECT_EQ(text_error(R"({a: 1})"), "doc.json:1:2: expected a string key");
  EXPECT_EQ(text_error(R"({"a" 1})"), "doc.json:1:6: expected ':' after object key");
  EXPECT_EQ(text_error(R"({"a": 1 "b": 2})"), "doc.json:1:9: expected ',' or '}' in object");
  EXPECT_EQ(text_error(R"({"a": 1,})"), "doc.json:1:9: expected a string key");
  EXPECT_EQ(text_error("[1 2]"), "doc.json:1:4: expected ',' or ']' in array");
  EXPECT_EQ(text_error("[1,]"), "doc.json:1:4: invalid token (expected a value)");
  EXPECT_EQ(text_error("[,]"), "doc.json:1:2: invalid token (expected a value)");
  EXPECT_EQ(text_error(R"(["a" "b"])"), "doc.json:1:6: expected ',' or ']' in array");
  EXPECT_EQ(text_error(R"({"a": [1}})"), "doc.json:1:9: expected ',' or ']' in array");
  // Line and column on a later line.
  EXPECT_EQ(text_error("{\n  \"a\": 1,\n  \"b\": x\n}"), "doc.json:3:8: invalid token (expected a value)");
  // The source name is the one given.
  EXPECT_EQ(text_error("x", "models/m.json"), "models/m.json:1:1: invalid token (expected a value)");
}

TEST(JsonTextParser, ErrorStrings) {
  EXPECT_EQ(text_error(R"({"a": "abc)"), "doc.json:1:11: unterminated string");
  EXPECT_EQ(text_error(R"({"a": "abc\)"), "doc.json:1:12: unterminated string");
  // Control characters must be escaped; the column points at the character.
  EXPECT_EQ(text_error("{\"a\": \"x\ny\"}"), "doc.json:1:9: control character inside a string");
  EXPECT_EQ(text_error(std::string("\"a\tb\"")), "doc.json:1:3: control character inside a string");
  EXPECT_EQ(text_error(std::string("\"a\0b\"", 5)), "doc.json:1:3: control character inside a string");
  EXPECT_EQ(text_error(std::string("{\"k\x01\": 1}")), "doc.json:1:4: control character inside a string");
  EXPECT_EQ(text_error(R"("a\xb")"), "doc.json:1:4: invalid escape in string");
  EXPECT_EQ(text_error(R"("a\u12G4")"), "doc.json:1:8: invalid \\u escape");
  EXPECT_EQ(text_error(R"("a\u12)"), "doc.json:1:5: truncated \\u escape");
  EXPECT_EQ(text_error(R"("\ud83d\u12)"), "doc.json:1:10: truncated \\u escape");
}

TEST(JsonTextParser, NestingUpTo256LevelsIsAccepted) {
  const int depth = 256;
  std::string text = std::string(depth, '[') + "1" + std::string(depth, ']');
  JsonValue v = parse_json_text(text, "t");
  const JsonValue* p = &v;
  for (int i = 1; i < depth; ++i) {
    ASSERT_EQ(p->items.size(), 1u);
    p = &p->items[0];
  }
  ASSERT_EQ(p->numbers.size(), 1u);

  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  EXPECT_NO_THROW(parse_json_text(objects, "t"));
}

TEST(JsonTextParser, ErrorDeepNestingIsAnErrorNotAStackOverflow) {
  for (int depth : {300, 10000, 1000000}) {
    SCOPED_TRACE(depth);
    std::string arrays(depth, '[');
    EXPECT_EQ(text_error(arrays), "doc.json:1:258: nesting deeper than 256 levels");
    std::string closed = arrays + std::string(depth, ']');
    EXPECT_EQ(text_error(closed), "doc.json:1:258: nesting deeper than 256 levels");
    std::string objects;
    for (int i = 0; i < std::min(depth, 10000); ++i) objects += "{\"a\":";
    EXPECT_TRUE(contains(text_error(objects), "nesting deeper than 256 levels")) << text_error(objects);
    std::string mixed;
    for (int i = 0; i < std::min(depth, 10000); ++i) mixed += (i % 2 ? "[" : "{\"k\":");
    EXPECT_TRUE(contains(text_error(mixed), "nesting deeper than 256 levels"));
  }
}

// ---------------------------------------------------------------------------
// UBJSON
// ---------------------------------------------------------------------------

// Big-endian bytes of `v`, `n` bytes wide.
std::string be(uint64_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}
std::string be_f32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return be(u, 4);
}
std::string be_f64(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return be(u, 8);
}
// An object key as XGBoost writes it: an int8 length then the bytes.
std::string key(std::string_view k) { return "i" + be(k.size(), 1) + std::string(k); }
std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

TEST(UbjsonParser, ObjectWithEveryScalarMarker) {
  std::string doc = "{";
  doc += key("i") + "i" + be(0xFB, 1);                         // int8 -5
  doc += key("U") + "U" + be(200, 1);                          // uint8 200
  doc += key("I") + "I" + be(0x1234, 2);                       // int16 4660
  doc += key("In") + "I" + be(0xFFFE, 2);                      // int16 -2
  doc += key("l") + "l" + be(0x12345678, 4);                   // int32
  doc += key("ln") + "l" + be(0xFFFFFF00, 4);                  // int32 -256
  doc += key("L") + "L" + be(0x0000010203040506ULL, 8);        // int64
  doc += key("Lbig") + "L" + be(0x0102030405060708ULL, 8);     // int64 beyond 2^53
  doc += key("Ln") + "L" + be(0xFFFFFFFFFFFFFFFFULL, 8);       // int64 -1
  doc += key("d") + "d" + be_f32(1.5f);
  doc += key("dn") + "d" + be_f32(-0.1f);
  doc += key("D") + "D" + be_f64(3.141592653589793);
  doc += key("S") + "S" + "i" + be(5, 1) + "hello";
  doc += key("SU") + "S" + "U" + be(3, 1) + "abc";
  doc += key("SL") + "S" + "L" + be(2, 8) + "xy";
  doc += key("Sempty") + "S" + "i" + be(0, 1);
  doc += key("C") + "C" + "z";
  doc += key("T") + "T";
  doc += key("F") + "F";
  doc += key("Z") + "Z";
  doc += "}";

  JsonValue v = parse_ubjson(doc, "t");
  ASSERT_EQ(v.kind, Kind::Object);
  ASSERT_EQ(v.members.size(), 20u);
  auto num = [&](const char* k) -> const JsonNumber& {
    const JsonValue* m = v.find(k);
    EXPECT_NE(m, nullptr) << k;
    EXPECT_EQ(m->kind, Kind::Number) << k;
    return m->number;
  };
  EXPECT_EQ(num("i").f64, -5);
  EXPECT_TRUE(num("i").integral);
  EXPECT_EQ(num("U").f64, 200);
  EXPECT_EQ(num("I").f64, 4660);
  EXPECT_EQ(num("In").f64, -2);
  EXPECT_EQ(num("l").f64, 0x12345678);
  EXPECT_EQ(num("ln").f64, -256);
  EXPECT_EQ(num("L").f64, static_cast<double>(0x0000010203040506LL));
  EXPECT_TRUE(num("L").integral);
  EXPECT_EQ(num("Lbig").f64, static_cast<double>(0x0102030405060708LL));
  EXPECT_FALSE(num("Lbig").integral);  // not exact as a double
  EXPECT_EQ(num("Ln").f64, -1);
  EXPECT_EQ(num("d").f32, 1.5f);
  EXPECT_EQ(num("d").f64, 1.5);
  EXPECT_EQ(num("dn").f32, -0.1f);
  EXPECT_EQ(num("dn").f64, static_cast<double>(-0.1f));  // the float, widened
  EXPECT_EQ(num("D").f64, 3.141592653589793);
  EXPECT_EQ(num("D").f32, static_cast<float>(3.141592653589793));
  EXPECT_EQ(v.find("S")->text, "hello");
  EXPECT_EQ(v.find("SU")->text, "abc");
  EXPECT_EQ(v.find("SL")->text, "xy");
  EXPECT_EQ(v.find("Sempty")->kind, Kind::String);
  EXPECT_EQ(v.find("Sempty")->text, "");
  EXPECT_EQ(v.find("C")->kind, Kind::String);
  EXPECT_EQ(v.find("C")->text, "z");
  EXPECT_EQ(v.find("T")->kind, Kind::Bool);
  EXPECT_TRUE(v.find("T")->boolean);
  EXPECT_EQ(v.find("F")->kind, Kind::Bool);
  EXPECT_FALSE(v.find("F")->boolean);
  EXPECT_EQ(v.find("Z")->kind, Kind::Null);
}

TEST(UbjsonParser, KeysWithEveryLengthMarker) {
  std::string doc = "{";
  doc += "i" + be(1, 1) + "a" + "T";
  doc += "U" + be(2, 1) + "bb" + "T";
  doc += "I" + be(3, 2) + "ccc" + "T";
  doc += "l" + be(4, 4) + "dddd" + "T";
  doc += "L" + be(5, 8) + "eeeee" + "T";  // what XGBoost writes
  doc += "i" + be(0, 1) + "F";            // an empty key
  doc += "}";
  JsonValue v = parse_ubjson(doc, "t");
  ASSERT_EQ(v.members.size(), 6u);
  for (const char* k : {"a", "bb", "ccc", "dddd", "eeeee", ""}) EXPECT_NE(v.find(k), nullptr) << k;
  EXPECT_TRUE(parse_ubjson("{}", "t").members.empty());
}

TEST(UbjsonParser, BigEndianDecoding) {
  // 0x0100 read big-endian is 256; read little-endian it would be 1.
  auto single = [](const std::string& value) { return parse_ubjson("[#i" + be(1, 1) + value, "t").numbers.at(0); };
  EXPECT_EQ(single("I" + bytes({0x01, 0x00})).f64, 256);
  EXPECT_EQ(single("l" + bytes({0x00, 0x00, 0x01, 0x00})).f64, 256);
  EXPECT_EQ(single("l" + bytes({0x01, 0x02, 0x03, 0x04})).f64, 0x01020304);
  EXPECT_EQ(single("L" + bytes({0, 0, 0, 0, 0, 0, 0x01, 0x00})).f64, 256);
  EXPECT_EQ(single("d" + bytes({0x3F, 0x80, 0x00, 0x00})).f32, 1.0f);
  EXPECT_EQ(single("d" + bytes({0xC0, 0x49, 0x0F, 0xDB})).f32, -3.14159274101257324f);
  EXPECT_EQ(single("D" + bytes({0x3F, 0xF0, 0, 0, 0, 0, 0, 0})).f64, 1.0);
  EXPECT_EQ(single("D" + bytes({0xC0, 0x00, 0, 0, 0, 0, 0, 0})).f64, -2.0);
  EXPECT_TRUE(std::isnan(single("d" + bytes({0x7F, 0xC0, 0x00, 0x00})).f32));
  EXPECT_EQ(single("d" + bytes({0xFF, 0x80, 0x00, 0x00})).f32, -HUGE_VALF);
  EXPECT_EQ(single("i" + bytes({0x80})).f64, -128);
  EXPECT_EQ(single("U" + bytes({0xFF})).f64, 255);
  EXPECT_EQ(single("I" + bytes({0x80, 0x00})).f64, -32768);
  EXPECT_EQ(single("l" + bytes({0x80, 0, 0, 0})).f64, -2147483648.0);
}

TEST(UbjsonParser, CountedArrays) {
  // "[#L<n>" then n values, no closing ']' (XGBoost's UBJWriter).
  std::string doc = "[#L" + be(4, 8) + "S" + "i" + be(1, 1) + "x" + "i" + be(7, 1) + "T" + "[#L" + be(0, 8);
  JsonValue v = parse_ubjson(doc, "t");
  ASSERT_EQ(v.kind, Kind::Array);
  ASSERT_EQ(v.items.size(), 4u);
  EXPECT_EQ(v.items[0].text, "x");
  EXPECT_EQ(v.items[1].number.f64, 7);
  EXPECT_TRUE(v.items[2].boolean);
  EXPECT_EQ(v.items[3].kind, Kind::Array);
  EXPECT_EQ(v.items[3].array_size(), 0u);

  // All numbers: stored compact.
  JsonValue n = parse_ubjson("[#i" + be(3, 1) + "i" + be(1, 1) + "D" + be_f64(2.5) + "U" + be(3, 1), "t");
  EXPECT_TRUE(n.items.empty());
  ASSERT_EQ(n.numbers.size(), 3u);
  EXPECT_EQ(n.numbers[0].f64, 1);
  EXPECT_EQ(n.numbers[1].f64, 2.5);
  EXPECT_EQ(n.numbers[2].f64, 3);

  EXPECT_EQ(parse_ubjson("[#i" + be(0, 1), "t").array_size(), 0u);
  EXPECT_EQ(parse_ubjson("[#U" + be(0, 1), "t").kind, Kind::Array);
}

TEST(UbjsonParser, TypedArrays) {
  // [$d#L: float32 values.
  JsonValue d = parse_ubjson("[$d#L" + be(3, 8) + be_f32(0.5f) + be_f32(-1.25f) + be_f32(3.7154052e-1f), "t");
  ASSERT_EQ(d.kind, Kind::Array);
  EXPECT_TRUE(d.items.empty());
  ASSERT_EQ(d.numbers.size(), 3u);
  EXPECT_EQ(d.numbers[0].f32, 0.5f);
  EXPECT_EQ(d.numbers[1].f32, -1.25f);
  EXPECT_EQ(d.numbers[2].f32, 3.7154052e-1f);
  EXPECT_EQ(d.numbers[2].f64, static_cast<double>(3.7154052e-1f));

  // [$l#i: int32 values with an int8 count.
  JsonValue l = parse_ubjson("[$l#i" + be(3, 1) + be(1, 4) + be(0xFFFFFFFF, 4) + be(0x7FFFFFFF, 4), "t");
  ASSERT_EQ(l.numbers.size(), 3u);
  EXPECT_EQ(l.numbers[0].f64, 1);
  EXPECT_EQ(l.numbers[1].f64, -1);
  EXPECT_EQ(l.numbers[2].f64, 2147483647.0);
  for (const JsonNumber& n : l.numbers) EXPECT_TRUE(n.integral);

  JsonValue D = parse_ubjson("[$D#U" + be(2, 1) + be_f64(0.1) + be_f64(-1e300), "t");
  ASSERT_EQ(D.numbers.size(), 2u);
  EXPECT_EQ(D.numbers[0].f64, 0.1);
  EXPECT_EQ(D.numbers[1].f64, -1e300);
  EXPECT_EQ(D.numbers[1].f32, -HUGE_VALF);

  JsonValue i = parse_ubjson("[$i#i" + be(2, 1) + bytes({0xFF, 0x05}), "t");
  ASSERT_EQ(i.numbers.size(), 2u);
  EXPECT_EQ(i.numbers[0].f64, -1);
  EXPECT_EQ(i.numbers[1].f64, 5);
  JsonValue U = parse_ubjson("[$U#I" + be(1, 2) + bytes({0xFF}), "t");
  EXPECT_EQ(U.numbers.at(0).f64, 255);
  JsonValue I = parse_ubjson("[$I#l" + be(1, 4) + be(0x8000, 2), "t");
  EXPECT_EQ(I.numbers.at(0).f64, -32768);
  JsonValue L = parse_ubjson("[$L#L" + be(1, 8) + be(0xFFFFFFFFFFFFFFFEULL, 8), "t");
  EXPECT_EQ(L.numbers.at(0).f64, -2);

  JsonValue empty = parse_ubjson("[$d#L" + be(0, 8), "t");
  EXPECT_EQ(empty.kind, Kind::Array);
  EXPECT_EQ(empty.array_size(), 0u);

  // A typed array inside an object, followed by more members (no ']' after it).
  JsonValue o = parse_ubjson("{" + key("a") + "[$l#i" + be(1, 1) + be(9, 4) + key("b") + "T}", "t");
  ASSERT_EQ(o.members.size(), 2u);
  EXPECT_EQ(o.find("a")->numbers.at(0).f64, 9);
  EXPECT_TRUE(o.find("b")->boolean);
}

TEST(UbjsonParser, UncountedArrays) {
  JsonValue v = parse_ubjson("[" + std::string("i") + be(1, 1) + "S" + "i" + be(1, 1) + "x" + "Z" + "[]" + "{}" + "]", "t");
  ASSERT_EQ(v.kind, Kind::Array);
  ASSERT_EQ(v.items.size(), 5u);
  EXPECT_EQ(v.items[0].number.f64, 1);
  EXPECT_EQ(v.items[1].text, "x");
  EXPECT_EQ(v.items[2].kind, Kind::Null);
  EXPECT_EQ(v.items[3].kind, Kind::Array);
  EXPECT_EQ(v.items[4].kind, Kind::Object);

  JsonValue numbers = parse_ubjson("[i" + be(1, 1) + "d" + be_f32(2.5f) + "]", "t");
  EXPECT_TRUE(numbers.items.empty());
  ASSERT_EQ(numbers.numbers.size(), 2u);
  EXPECT_EQ(numbers.numbers[1].f32, 2.5f);

  EXPECT_EQ(parse_ubjson("[]", "t").array_size(), 0u);
  JsonValue nested = parse_ubjson("[[[]]]", "t");
  ASSERT_EQ(nested.items.size(), 1u);
  EXPECT_EQ(nested.items[0].items.size(), 1u);
}

TEST(UbjsonParser, ErrorEmptyAndTrailingBytes) {
  EXPECT_EQ(ubjson_error(""), "doc.ubj: byte 0: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(ubjson_error("{}}"), "doc.ubj: byte 2: unexpected bytes after the end of the document");
  EXPECT_EQ(ubjson_error("TT"), "doc.ubj: byte 1: unexpected bytes after the end of the document");
}

TEST(UbjsonParser, ErrorTruncatedAtSeveralPoints) {
  // Inside a key length, a key, a value marker, an int64, a float, a count, typed data.
  const std::string doc = "{" + std::string("L") + be(3, 8) + "abc" + "L" + be(0x0102030405060708ULL, 8) + key("d") +
                          "D" + be_f64(1.5) + key("t") + "[$d#L" + be(2, 8) + be_f32(1) + be_f32(2) + key("c") +
                          "[#i" + be(2, 1) + "S" + "i" + be(3, 1) + "xyz" + "Z" + key("u") + "[" + "T" + "F" + "]" + "}";
  ASSERT_NO_THROW(parse_ubjson(doc, "t"));
  for (size_t cut = 0; cut < doc.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::string e = ubjson_error(doc.substr(0, cut));
    EXPECT_TRUE(contains(e, "doc.ubj: byte ")) << e;
    EXPECT_TRUE(contains(e, "truncated") || contains(e, "exceeds the")) << e;
  }
  // Some exact messages: the offset is where reading stopped.
  EXPECT_EQ(ubjson_error(doc.substr(0, 1)), "doc.ubj: byte 1: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(ubjson_error(doc.substr(0, 5)), "doc.ubj: byte 2: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(ubjson_error(doc.substr(0, 12)), "doc.ubj: byte 10: length 3 exceeds the 2 bytes left in the file");
  EXPECT_EQ(ubjson_error(doc.substr(0, 20)), "doc.ubj: byte 14: unexpected end of input (the file is truncated?)");
  EXPECT_EQ(ubjson_error(doc.substr(0, doc.size() - 1)),
            "doc.ubj: byte " + std::to_string(doc.size() - 1) + ": unexpected end of input (the file is truncated?)");
  // A typed array cut in its data: the count is checked against the bytes left.
  const std::string typed = "[$d#L" + be(2, 8) + be_f32(1) + be_f32(2);
  EXPECT_EQ(ubjson_error(typed.substr(0, typed.size() - 1)), "doc.ubj: byte 13: length 2 exceeds the 7 bytes left in the file");
}

TEST(UbjsonParser, ErrorAbsurdCountsAreReportedNotAllocated) {
  const uint64_t huge = uint64_t{1} << 62;
  EXPECT_EQ(ubjson_error("[#L" + be(huge, 8)), "doc.ubj: byte 11: length 4611686018427387904 exceeds the 0 bytes left in the file");
  EXPECT_EQ(ubjson_error("[$d#L" + be(huge, 8) + be_f32(1)),
            "doc.ubj: byte 13: length 4611686018427387904 exceeds the 4 bytes left in the file");
  EXPECT_EQ(ubjson_error("[$D#L" + be(huge, 8) + be_f64(1)),
            "doc.ubj: byte 13: length 4611686018427387904 exceeds the 8 bytes left in the file");
  EXPECT_EQ(ubjson_error("[$l#L" + be(0x7FFFFFFFFFFFFFFFULL, 8)),
            "doc.ubj: byte 13: length 9223372036854775807 exceeds the 0 bytes left in the file");
  EXPECT_EQ(ubjson_error("S" + std::string("L") + be(huge, 8) + "abc"),
            "doc.ubj: byte 10: length 4611686018427387904 exceeds the 3 bytes left in the file");
  EXPECT_EQ(ubjson_error("{" + std::string("L") + be(huge, 8) + "k"),
            "doc.ubj: byte 10: length 4611686018427387904 exceeds the 1 bytes left in the file");
  EXPECT_EQ(ubjson_error("{" + key("a") + "[$l#l" + be(0x7FFFFFFF, 4) + be(1, 4) + "}"),
            "doc.ubj: byte 13: length 2147483647 exceeds the 5 bytes left in the file");
  // A count just one element too large.
  EXPECT_EQ(ubjson_error("[$l#i" + be(3, 1) + be(1, 4) + be(2, 4)),
            "doc.ubj: byte 6: length 3 exceeds the 8 bytes left in the file");
  EXPECT_EQ(ubjson_error("[#i" + be(3, 1) + "TT"), "doc.ubj: byte 4: length 3 exceeds the 2 bytes left in the file");
}

TEST(UbjsonParser, ErrorNegativeCounts) {
  EXPECT_EQ(ubjson_error("[#i" + be(0xFF, 1)), "doc.ubj: byte 4: negative length -1");
  EXPECT_EQ(ubjson_error("[#L" + be(0xFFFFFFFFFFFFFFFFULL, 8)), "doc.ubj: byte 11: negative length -1");
  EXPECT_EQ(ubjson_error("[$d#l" + be(0x80000000, 4)), "doc.ubj: byte 9: negative length -2147483648");
  EXPECT_EQ(ubjson_error("[#L" + be(0x8000000000000000ULL, 8)),
            "doc.ubj: byte 11: negative length -9223372036854775808");
  EXPECT_EQ(ubjson_error("Si" + be(0xFE, 1) + "ab"), "doc.ubj: byte 3: negative length -2");
  EXPECT_EQ(ubjson_error("{i" + be(0x80, 1) + "a"), "doc.ubj: byte 3: negative length -128");
}

TEST(UbjsonParser, ErrorUnknownAndUnsupportedMarkers) {
  EXPECT_EQ(ubjson_error("X"), "doc.ubj: byte 0: unknown UBJSON marker 'X'");
  EXPECT_EQ(ubjson_error("{" + key("a") + "q}"), "doc.ubj: byte 4: unknown UBJSON marker 'q'");
  EXPECT_EQ(ubjson_error(std::string("[\x01]", 3)), "doc.ubj: byte 1: unknown UBJSON marker '\\x01'");
  EXPECT_EQ(ubjson_error(std::string("[\xff]", 3)), "doc.ubj: byte 1: unknown UBJSON marker '\\xff'");
  EXPECT_EQ(ubjson_error("[#i" + be(1, 1) + "]"), "doc.ubj: byte 4: unknown UBJSON marker ']'");
  EXPECT_EQ(ubjson_error("N"), "doc.ubj: byte 1: no-op marker 'N' is not supported");
  EXPECT_EQ(ubjson_error("H"), "doc.ubj: byte 1: high-precision number marker 'H' is not supported");
  EXPECT_EQ(ubjson_error("{$i#i" + be(1, 1)), "doc.ubj: byte 1: optimized (typed or counted) objects are not supported");
  EXPECT_EQ(ubjson_error("{#i" + be(1, 1)), "doc.ubj: byte 1: optimized (typed or counted) objects are not supported");
  // Object keys need an integer length marker.
  EXPECT_EQ(ubjson_error("{S" + std::string("i") + be(1, 1) + "a" + "T}"), "doc.ubj: byte 2: expected an integer marker, found 'S'");
  // Counts too.
  EXPECT_EQ(ubjson_error("[#d" + be_f32(1)), "doc.ubj: byte 3: expected an integer marker, found 'd'");
  EXPECT_EQ(ubjson_error("[$d#" + std::string("S")), "doc.ubj: byte 5: expected an integer marker, found 'S'");
  // Typed arrays: only fixed-size numeric element types, and a count is required.
  EXPECT_EQ(ubjson_error("[$S#i" + be(0, 1)), "doc.ubj: byte 3: unsupported typed-array element type 'S'");
  EXPECT_EQ(ubjson_error("[$Z#i" + be(1, 1)), "doc.ubj: byte 3: unsupported typed-array element type 'Z'");
  EXPECT_EQ(ubjson_error("[$di" + be(1, 1)), "doc.ubj: byte 4: typed array without a count");
  EXPECT_EQ(ubjson_error("[$C#i" + be(1, 1) + "a"), "doc.ubj: byte 6: typed array of characters is not supported");
}

TEST(UbjsonParser, ErrorDeepNestingIsAnErrorNotAStackOverflow) {
  std::string ok(256, '[');
  ok += std::string(256, ']');
  EXPECT_NO_THROW(parse_ubjson(ok, "t"));

  for (int depth : {300, 10000, 1000000}) {
    SCOPED_TRACE(depth);
    EXPECT_EQ(ubjson_error(std::string(depth, '[')), "doc.ubj: byte 258: nesting deeper than 256 levels");
    std::string counted;
    for (int i = 0; i < std::min(depth, 10000); ++i) counted += "[#i" + be(1, 1);
    EXPECT_TRUE(contains(ubjson_error(counted), "nesting deeper than 256 levels"));
    std::string objects;
    for (int i = 0; i < std::min(depth, 10000); ++i) objects += "{" + key("a");
    EXPECT_TRUE(contains(ubjson_error(objects), "nesting deeper than 256 levels"));
  }
}

}  // namespace
}  // namespace xylem::formats
