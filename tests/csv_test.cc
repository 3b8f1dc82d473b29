#include <gtest/gtest.h>

#include <cmath>

#include "xylem/xylem.h"

namespace xylem {
namespace {

TEST(Csv, ReadsNumbersAndEveryMissingSpelling) {
  CsvTable t = read_csv("a,b,c,d,e\n1,,nan,NaN,NA\n-2.5e3,+4, 7 ,inf,-inf\r\n\n", "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.values[0], 1.0);
  for (int i = 1; i < 5; ++i) EXPECT_TRUE(std::isnan(t.values[i])) << i;
  EXPECT_EQ(t.values[5], -2500.0);
  EXPECT_EQ(t.values[6], 4.0);
  EXPECT_EQ(t.values[7], 7.0);
  EXPECT_TRUE(std::isinf(t.values[8]) && t.values[8] > 0);
  EXPECT_TRUE(std::isinf(t.values[9]) && t.values[9] < 0);
}

TEST(Csv, HexIsNotANumber) {
  // "0x1" is read by from_chars as 0 followed by junk: it must be an error, not 0.
  try {
    read_csv("a\n0x1\n", "t.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:2: column \"a\": cannot read \"0x1\""), std::string::npos) << e.what();
  }
}

TEST(Csv, ValuesAreExactFloat64) {
  CsvTable t = read_csv("x\n0.1\n120.10000610351564\n4.9406564584124654e-324\n", "t.csv");
  EXPECT_EQ(t.values[0], 0.1);
  EXPECT_EQ(t.values[1], 120.10000610351564);
  EXPECT_EQ(t.values[2], 4.9406564584124654e-324);
}

TEST(Csv, QuotedHeaderFields) {
  CsvTable t = read_csv("\"a,b\",\"say \"\"hi\"\"\"\n1,2\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a,b", "say \"hi\""}));
}

TEST(Csv, ErrorsNameTheLine) {
  auto message = [](const std::string& text) {
    try {
      read_csv(text, "in.csv");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("a,b\n1,2\n3\n"), "in.csv:3: expected 2 fields, found 1");
  EXPECT_EQ(message("a,b\n1,2,3\n"), "in.csv:2: expected 2 fields, found 3");
  EXPECT_EQ(message(""), "in.csv: no header row (the file is empty)");
  EXPECT_EQ(message("a\n\"unterminated\n"), "in.csv:2: unterminated quoted field");
}

TEST(Csv, TextColumnsKeepCellsAsWritten) {
  // Text columns (category labels) are not trimmed, unquoted, or parsed; their values
  // are NaN and their cells are in `texts`, ordered as text_columns (not as the header).
  CsvTable t = read_csv(
      "a,city,b,plan\n"
      "1, amsterdam,2,x\n"
      "3,\"berlin, de\",,\"say \"\"hi\"\"\"\n"
      "4,,5,\n"
      "6,amsterdam \t,7,404\r\n",
      "t.csv", {"plan", "city"});
  ASSERT_EQ(t.rows, 4u);
  EXPECT_EQ(t.text_columns, (std::vector<std::string>{"plan", "city"}));
  const std::vector<std::string> texts = {"x", " amsterdam", "say \"hi\"", "berlin, de", "", "", "404", "amsterdam \t"};
  EXPECT_EQ(t.texts, texts);
  EXPECT_NE(t.texts[1], "amsterdam");
  ASSERT_EQ(t.values.size(), 16u);
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_TRUE(std::isnan(t.values[r * 4 + 1])) << r;  // city
    EXPECT_TRUE(std::isnan(t.values[r * 4 + 3])) << r;  // plan
  }
  EXPECT_EQ(t.values[0], 1.0);
  EXPECT_EQ(t.values[2], 2.0);
  EXPECT_TRUE(std::isnan(t.values[6]));  // b missing in the second row
  EXPECT_EQ(t.values[12], 6.0);
  EXPECT_EQ(t.values[14], 7.0);
}

TEST(Csv, NumberColumnsAreStillTrimmedNextToTextColumns) {
  CsvTable t = read_csv("x,city\n 1.5 , oslo \n", "t.csv", {"city"});
  EXPECT_EQ(t.values[0], 1.5);
  EXPECT_EQ(t.texts, (std::vector<std::string>{" oslo "}));
}

TEST(Csv, UnknownTextColumnIsAnError) {
  try {
    read_csv("x,city\n1,oslo\n", "t.csv", {"zip"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t.csv:1: no column named \"zip\"");
  }
}

TEST(Csv, WithoutTextColumnsLabelsAreNotNumbers) {
  try {
    read_csv("x,city\n1,oslo\n", "t.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:2: column \"city\": cannot read \"oslo\""), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace xylem
