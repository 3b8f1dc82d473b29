// Reads the LightGBM text model (Booster.save_model, the `model.txt` users ship):
// a header of key=value lines, Tree=N blocks, then sections xylem does not need
// (feature importances, parameters). Layout: LightGBM src/boosting/gbdt_model_text.cpp
// and src/io/tree.cpp. Errors name the file and line.
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "formats/lightgbm_importer.h"
#include "formats/lightgbm_model.h"
#include "xylem/error.h"

namespace xylem::formats {
namespace {

using lightgbm::Locator;

struct Line {
  size_t number;  // 1-based
  std::string_view text;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t start = 0, number = 1;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number++, line});
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

// One key=value line, remembered with its line number for error messages.
struct Field {
  size_t line = 0;
  std::string_view value;  // points into the file's bytes
};
using Fields = std::map<std::string, Field, std::less<>>;

class TextReader {
 public:
  TextReader(std::string_view text, const std::string& file) : lines_(split_lines(text)), file_(file) {}

  lightgbm::Model run() {
    lightgbm::Model m;
    m.format = "text";
    size_t i = 0;
    while (i < lines_.size() && lines_[i].text.empty()) ++i;
    if (i == lines_.size() || lines_[i].text != "tree")
      fail_line(i < lines_.size() ? lines_[i].number : 1, "not a LightGBM text model (the first line must be \"tree\")");
    ++i;

    // Header: up to the first Tree= line.
    Fields header;
    for (; i < lines_.size(); ++i) {
      std::string_view t = lines_[i].text;
      if (t.substr(0, 5) == "Tree=" || t == "end of trees") break;
      if (t.empty()) continue;
      size_t eq = t.find('=');
      std::string key(t.substr(0, eq));
      header[key] = {lines_[i].number, eq == std::string_view::npos ? std::string_view() : t.substr(eq + 1)};
    }
    read_header(header, m);

    // Trees, each a block of key=value lines starting at Tree=N.
    while (i < lines_.size() && lines_[i].text != "end of trees") {
      std::string_view t = lines_[i].text;
      if (t.empty()) {
        ++i;
        continue;
      }
      if (t.substr(0, 5) != "Tree=") fail_line(lines_[i].number, "expected \"Tree=<index>\" or \"end of trees\"");
      const size_t tree_line = lines_[i].number;
      const int64_t index = parse_int(Field{tree_line, t.substr(5)}, "Tree", 0, 1LL << 40);
      if (index != static_cast<int64_t>(m.trees.size()))
        fail_line(tree_line, "found Tree=" + std::to_string(index) + ", expected Tree=" + std::to_string(m.trees.size()));
      Fields fields;
      for (++i; i < lines_.size(); ++i) {
        std::string_view f = lines_[i].text;
        if (f.empty() || f.substr(0, 5) == "Tree=" || f == "end of trees") break;
        size_t eq = f.find('=');
        if (eq == std::string_view::npos) fail_line(lines_[i].number, "expected key=value in Tree=" + std::to_string(index));
        fields[std::string(f.substr(0, eq))] = {lines_[i].number, f.substr(eq + 1)};
      }
      m.trees.push_back(read_tree(fields, index, tree_line));
    }
    if (i == lines_.size()) fail_line(lines_.back().number, "the file ends before \"end of trees\" (truncated?)");
    for (; i < lines_.size(); ++i) {
      std::string_view t = lines_[i].text;
      constexpr std::string_view kPandas = "pandas_categorical:";
      if (t.substr(0, kPandas.size()) != kPandas) continue;
      const std::string where = file_ + ":" + std::to_string(lines_[i].number);
      JsonValue value = parse_json_text(t.substr(kPandas.size()), where + ": pandas_categorical");
      m.pandas_categorical = lightgbm::read_pandas_categorical(value, [where](const std::string& field) {
        return where + ": " + field;
      });
      // build_ir checks the labels against the features later: name this line, not the header's.
      m.where = [header_where = m.where, where](const std::string& field) {
        return field == "pandas_categorical" ? where + ": " + field : header_where(field);
      };
    }
    if (header.count("tree_sizes")) {
      const Field& sizes = header.at("tree_sizes");
      if (count_words(sizes.value) != m.trees.size())
        fail_line(sizes.line, "tree_sizes lists " + std::to_string(count_words(sizes.value)) + " trees, the file has " +
                                  std::to_string(m.trees.size()));
    }
    return m;
  }

 private:
  [[noreturn]] void fail_line(size_t line, const std::string& what) const {
    throw Error(file_ + ":" + std::to_string(line) + ": " + what);
  }

  // Errors found later, when the IR is built, still name the line of the field.
  Locator locator(size_t line, std::string prefix, const Fields& fields) const {
    std::map<std::string, size_t, std::less<>> lines;
    for (const auto& [key, field] : fields) lines[key] = field.line;
    return [file = file_, line, prefix, lines = std::move(lines)](const std::string& field) {
      auto it = lines.find(field);
      const size_t at = it != lines.end() ? it->second : line;
      return file + ":" + std::to_string(at) + ": " + prefix + field;
    };
  }

  static size_t count_words(std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size();) {
      while (i < s.size() && s[i] == ' ') ++i;
      if (i == s.size()) break;
      ++n;
      while (i < s.size() && s[i] != ' ') ++i;
    }
    return n;
  }

  template <typename Fn>
  static void for_each_word(std::string_view s, Fn&& fn) {
    for (size_t i = 0; i < s.size();) {
      while (i < s.size() && s[i] == ' ') ++i;
      if (i == s.size()) break;
      size_t j = i;
      while (j < s.size() && s[j] != ' ') ++j;
      fn(s.substr(i, j - i));
      i = j;
    }
  }

  int64_t parse_int(const Field& f, const std::string& key, int64_t min, int64_t max) const {
    int64_t v = 0;
    const std::string s(f.value);
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail_line(f.line, key + ": expected an integer, found \"" + s + "\"");
    if (v < min || v > max)
      fail_line(f.line, key + ": " + s + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return v;
  }

  std::vector<int64_t> int_list(const Field& f, const std::string& key) const {
    std::vector<int64_t> out;
    for_each_word(f.value, [&](std::string_view w) {
      int64_t v = 0;
      auto r = std::from_chars(w.data(), w.data() + w.size(), v);
      if (r.ec != std::errc() || r.ptr != w.data() + w.size())
        fail_line(f.line, key + ": value " + std::to_string(out.size()) + " \"" + std::string(w) + "\" is not an integer");
      out.push_back(v);
    });
    return out;
  }

  // Correctly rounded decimal -> double (LightGBM writes 17 significant digits, or
  // shortest round-trip text): from_chars rounds exactly like strtod.
  std::vector<double> double_list(const Field& f, const std::string& key) const {
    std::vector<double> out;
    for_each_word(f.value, [&](std::string_view w) {
      double v = 0;
      auto r = std::from_chars(w.data(), w.data() + w.size(), v);
      if (r.ec == std::errc::result_out_of_range) {
        // Overflow or underflow: from_chars leaves v untouched; strtod's answer is the right one.
        v = std::strtod(std::string(w).c_str(), nullptr);
      } else if (r.ec != std::errc() || r.ptr != w.data() + w.size()) {
        fail_line(f.line, key + ": value " + std::to_string(out.size()) + " \"" + std::string(w) + "\" is not a number");
      }
      out.push_back(v);
    });
    return out;
  }

  const Field& required(const Fields& fields, const std::string& key,
                        size_t line, const std::string& where) const {
    auto it = fields.find(key);
    if (it == fields.end()) fail_line(line, where + ": missing " + key + "=");
    return it->second;
  }

  void read_header(const Fields& h, lightgbm::Model& m) {
    const size_t first = lines_.size() > 1 ? lines_[1].number : 1;
    if (h.count("version")) {
      const Field& v = h.at("version");
      m.version = std::string(v.value);
      if (m.version != "v2" && m.version != "v3" && m.version != "v4")
        fail_line(v.line, "LightGBM model version \"" + m.version + "\" is not supported (xylem reads v2, v3 and v4)");
    }
    m.num_class = parse_int(required(h, "num_class", first, "header"), "num_class", 1, 1 << 20);
    m.num_tree_per_iteration = h.count("num_tree_per_iteration")
                                   ? parse_int(h.at("num_tree_per_iteration"), "num_tree_per_iteration", 1, 1 << 20)
                                   : m.num_class;
    m.max_feature_idx = parse_int(required(h, "max_feature_idx", first, "header"), "max_feature_idx", 0,
                                  std::numeric_limits<int32_t>::max());
    if (h.count("objective")) m.objective = std::string(h.at("objective").value);
    m.average_output = h.count("average_output") > 0;
    if (h.count("feature_names"))
      for_each_word(h.at("feature_names").value, [&](std::string_view w) { m.feature_names.emplace_back(w); });
    if (h.count("feature_infos"))
      for_each_word(h.at("feature_infos").value, [&](std::string_view w) { m.feature_infos.emplace_back(w); });
    m.where = locator(first, "", h);
    if (h.count("boost_from_average") && h.at("boost_from_average").value != "0")
      fail_line(h.at("boost_from_average").line,
                "boost_from_average in the header (LightGBM 2.0-era files) is not supported; re-save the model with "
                "LightGBM >= 2.1");
  }

  lightgbm::Tree read_tree(const Fields& f, int64_t index, size_t line) {
    const std::string where = "Tree=" + std::to_string(index);
    lightgbm::Tree t;
    t.where = locator(line, where + " ", f);
    t.num_leaves = parse_int(required(f, "num_leaves", line, where), "num_leaves", 1, 1LL << 30);
    const int64_t num_cat = parse_int(required(f, "num_cat", line, where), "num_cat", 0, 1LL << 30);
    t.leaf_value = double_list(required(f, "leaf_value", line, where), "leaf_value");
    if (t.num_leaves > 1) {
      t.split_feature = int_list(required(f, "split_feature", line, where), "split_feature");
      t.threshold = double_list(required(f, "threshold", line, where), "threshold");
      t.left_child = int_list(required(f, "left_child", line, where), "left_child");
      t.right_child = int_list(required(f, "right_child", line, where), "right_child");
      if (f.count("decision_type")) t.decision_type = int_list(f.at("decision_type"), "decision_type");
      else t.decision_type.assign(static_cast<size_t>(t.num_leaves - 1), 0);
    }
    if (num_cat > 0) {
      const Field& bounds_f = required(f, "cat_boundaries", line, where);
      const Field& words_f = required(f, "cat_threshold", line, where);
      std::vector<int64_t> bounds = int_list(bounds_f, "cat_boundaries");
      std::vector<int64_t> words = int_list(words_f, "cat_threshold");
      if (bounds.size() != static_cast<size_t>(num_cat) + 1)
        fail_line(bounds_f.line, "cat_boundaries: has " + std::to_string(bounds.size()) + " values, expected num_cat + 1 = " +
                                     std::to_string(num_cat + 1));
      for (int64_t w : words)
        if (w < 0 || w > 0xffffffffLL) fail_line(words_f.line, "cat_threshold: " + std::to_string(w) + " is not a uint32 word");
      if (bounds[0] != 0) fail_line(bounds_f.line, "cat_boundaries: must start at 0");
      for (int64_t k = 0; k < num_cat; ++k) {
        if (bounds[k + 1] < bounds[k] || bounds[k + 1] > static_cast<int64_t>(words.size()))
          fail_line(bounds_f.line, "cat_boundaries: value " + std::to_string(k + 1) + " (" + std::to_string(bounds[k + 1]) +
                                       ") out of order or past the " + std::to_string(words.size()) + " cat_threshold words");
        std::vector<uint32_t> set_words(words.begin() + bounds[k], words.begin() + bounds[k + 1]);
        t.categories.push_back(lightgbm::bitset_members(set_words));
      }
    }
    if (f.count("is_linear")) t.is_linear = parse_int(f.at("is_linear"), "is_linear", 0, 1) == 1;
    if (t.is_linear) read_linear(f, t, line, where);
    return t;
  }

  // leaf_features and leaf_coeff are the per-leaf lists written one after the other;
  // num_features gives each leaf's count.
  void read_linear(const Fields& f, lightgbm::Tree& t, size_t line,
                   const std::string& where) {
    t.leaf_const = double_list(required(f, "leaf_const", line, where), "leaf_const");
    const Field& counts_f = required(f, "num_features", line, where);
    std::vector<int64_t> counts = int_list(counts_f, "num_features");
    const Field& features_f = required(f, "leaf_features", line, where);
    const Field& coeff_f = required(f, "leaf_coeff", line, where);
    std::vector<int64_t> features = int_list(features_f, "leaf_features");
    std::vector<double> coeffs = double_list(coeff_f, "leaf_coeff");
    if (counts.size() != static_cast<size_t>(t.num_leaves))
      fail_line(counts_f.line, "num_features: has " + std::to_string(counts.size()) + " values, expected num_leaves = " +
                                   std::to_string(t.num_leaves));
    int64_t total = 0;
    for (int64_t c : counts) {
      if (c < 0 || c > (1LL << 30)) fail_line(counts_f.line, "num_features: count " + std::to_string(c) + " out of range");
      total += c;
    }
    if (static_cast<int64_t>(features.size()) != total)
      fail_line(features_f.line, "leaf_features: has " + std::to_string(features.size()) + " values, num_features adds up to " +
                                     std::to_string(total));
    if (static_cast<int64_t>(coeffs.size()) != total)
      fail_line(coeff_f.line, "leaf_coeff: has " + std::to_string(coeffs.size()) + " values, num_features adds up to " +
                                  std::to_string(total));
    size_t at = 0;
    for (int64_t c : counts) {
      t.leaf_features.emplace_back(features.begin() + at, features.begin() + at + c);
      t.leaf_coeff.emplace_back(coeffs.begin() + at, coeffs.begin() + at + c);
      at += c;
    }
  }

  std::vector<Line> lines_;
  const std::string& file_;
};

}  // namespace

bool is_lightgbm_text(std::string_view bytes) {
  size_t start = bytes.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  std::string_view rest = bytes.substr(start);
  return rest.substr(0, 5) == "tree\n" || rest.substr(0, 6) == "tree\r\n";
}

ir::Model import_lightgbm_text(std::string_view bytes, const std::string& file) {
  return lightgbm::build_ir(TextReader(bytes, file).run());
}

}  // namespace xylem::formats
