// CSV input for batch prediction: a header row, then rows of numbers read as
// float64 (so LightGBM-style models see the exact values; float32 models round
// them as their library does).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "xylem/xylem.h"

namespace xylem {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one line on commas; double-quoted fields may hold commas and "" escapes.
// Unquoted fields keep their spaces here: numbers are trimmed when parsed, while
// text (category labels) is compared as written, as pandas reads it.
std::vector<std::string> split_fields(std::string_view line, const std::string& where, bool trim_fields) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      quoted = was_quoted = true;
      field.clear();
    } else if (c == ',') {
      fields.push_back(was_quoted || !trim_fields ? field : std::string(trim(field)));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) throw Error(where + ": unterminated quoted field");
  fields.push_back(was_quoted || !trim_fields ? field : std::string(trim(field)));
  return fields;
}

bool is_missing(std::string_view s) { return s.empty() || s == "nan" || s == "NaN" || s == "NA" || s == "NAN"; }

double parse_value(std::string_view s, const std::string& where, const std::string& column) {
  s = trim(s);
  if (is_missing(s)) return std::numeric_limits<double>::quiet_NaN();
  std::string_view body = s;
  if (body.front() == '+') body.remove_prefix(1);
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ptr != body.data() + body.size() || r.ec == std::errc::invalid_argument || body.empty())
    throw Error(where + ": column \"" + column + "\": cannot read \"" + std::string(s) + "\" as a number");
  if (r.ec == std::errc::result_out_of_range) v = std::strtod(std::string(body).c_str(), nullptr);
  return v;
}

}  // namespace

CsvTable read_csv(std::string_view text, const std::string& name, const std::vector<std::string>& text_columns) {
  CsvTable table;
  table.text_columns = text_columns;
  std::vector<int> text_slot;  // per column: index into text_columns, or -1
  size_t pos = 0, line_no = 0;
  bool have_header = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = name + ":" + std::to_string(line_no);
    if (!have_header) {
      if (trim(line).empty()) continue;
      table.header = split_fields(line, where, true);
      have_header = true;
      text_slot.assign(table.header.size(), -1);
      for (size_t k = 0; k < text_columns.size(); ++k) {
        auto it = std::find(table.header.begin(), table.header.end(), text_columns[k]);
        if (it == table.header.end()) throw Error(where + ": no column named \"" + text_columns[k] + "\"");
        text_slot[it - table.header.begin()] = static_cast<int>(k);
      }
      continue;
    }
    if (trim(line).empty()) continue;  // blank lines (a trailing newline) carry no row
    std::vector<std::string> fields = split_fields(line, where, false);
    if (fields.size() != table.header.size())
      throw Error(where + ": expected " + std::to_string(table.header.size()) + " fields, found " +
                  std::to_string(fields.size()));
    const size_t first_text = table.texts.size();
    table.texts.resize(first_text + text_columns.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      if (text_slot[c] >= 0) {
        table.texts[first_text + text_slot[c]] = std::move(fields[c]);
        table.values.push_back(std::numeric_limits<double>::quiet_NaN());
      } else {
        table.values.push_back(parse_value(fields[c], where, table.header[c]));
      }
    }
    ++table.rows;
  }
  if (!have_header) throw Error(name + ": no header row (the file is empty)");
  return table;
}

CsvTable read_csv_file(const std::string& path, const std::vector<std::string>& text_columns) {
  return read_csv(read_file(path), path == "-" ? "<stdin>" : path, text_columns);
}

}  // namespace xylem
