#include "tests/malformed_support.h"

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <typeinfo>

namespace xylem::malformed {

const std::string& model_file(const std::string& relative) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(relative);
  if (it == cache.end()) it = cache.emplace(relative, read_file(std::string(XYLEM_MODELS_DIR) + "/" + relative)).first;
  return it->second;
}

// ---------------------------------------------------------------------------
// Expecting errors
// ---------------------------------------------------------------------------

// The message of the xylem::Error that loading throws, or a description of what
// happened instead (in `unexpected`).
std::optional<std::string> load_error(std::string_view bytes, const std::string& name, std::string& unexpected,
                                      const LoadOptions& options) {
  try {
    Model::load_from_memory(bytes, name, options);
  } catch (const Error& e) {
    return std::string(e.what());
  } catch (const std::exception& e) {
    unexpected = std::string("a different exception escaped: ") + typeid(e).name() + ": " + e.what();
    return std::nullopt;
  } catch (...) {
    unexpected = "a non-standard exception escaped";
    return std::nullopt;
  }
  unexpected = "the model loaded without an error";
  return std::nullopt;
}

// Loading fails with an xylem::Error whose message starts with "<name>:" and
// contains every fragment.
::testing::AssertionResult fails_with(std::string_view bytes, const std::string& name,
                                      std::initializer_list<std::string> fragments, const LoadOptions& options) {
  std::string unexpected;
  std::optional<std::string> message = load_error(bytes, name, unexpected, options);
  if (!message) return ::testing::AssertionFailure() << "expected xylem::Error, but " << unexpected;
  if (message->rfind(name + ":", 0) != 0)
    return ::testing::AssertionFailure() << "message does not start with the file name \"" << name << ":\": " << *message;
  for (const std::string& fragment : fragments)
    if (message->find(fragment) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << fragment << "\": " << *message;
  return ::testing::AssertionSuccess() << *message;
}

// Loading fails with exactly this message.
::testing::AssertionResult fails_exactly(std::string_view bytes, const std::string& name, const std::string& expected,
                                         const LoadOptions& options) {
  std::string unexpected;
  std::optional<std::string> message = load_error(bytes, name, unexpected, options);
  if (!message) return ::testing::AssertionFailure() << "expected xylem::Error, but " << unexpected;
  if (*message != expected)
    return ::testing::AssertionFailure() << "message\n  \"" << *message << "\"\nexpected\n  \"" << expected << "\"";
  return ::testing::AssertionSuccess();
}

// Loading fails with a message that starts with `start` (the file name and the place)
// and contains `fragment` (for messages too long to spell out).
::testing::AssertionResult fails_at(std::string_view bytes, const std::string& name, const std::string& start,
                                    const std::string& fragment, const LoadOptions& options) {
  std::string unexpected;
  std::optional<std::string> message = load_error(bytes, name, unexpected, options);
  if (!message) return ::testing::AssertionFailure() << "expected xylem::Error, but " << unexpected;
  if (message->rfind(start, 0) != 0)
    return ::testing::AssertionFailure() << "message does not start with \"" << start << "\": " << *message;
  if (message->find(fragment) == std::string::npos)
    return ::testing::AssertionFailure() << "message lacks \"" << fragment << "\": " << *message;
  return ::testing::AssertionSuccess() << *message;
}


// Loading either succeeds or throws xylem::Error naming the file; a loaded model
// then predicts a few rows without trouble.
::testing::AssertionResult loads_or_fails_cleanly(std::string_view bytes, const std::string& name) {
  try {
    Model m = Model::load_from_memory(bytes, name);
    const size_t nf = static_cast<size_t>(m.num_features());
    if (nf > 100000) return ::testing::AssertionSuccess() << "loaded (too wide to predict)";
    std::vector<double> rows(4 * nf);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = i % 5 == 0 ? NAN : static_cast<double>(i % 7) - 3.0;
    std::vector<double> out(4 * static_cast<size_t>(std::max(m.output_width(false), m.output_width(true))));
    m.predict(rows.data(), 4, out.data());
    PredictOptions margin;
    margin.margin = true;
    m.predict(rows.data(), 4, out.data(), margin);
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(name + ":", 0) != 0)
      return ::testing::AssertionFailure() << "message does not start with \"" << name << ":\": " << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "a different exception escaped: " << typeid(e).name() << ": " << e.what();
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// Editing JSON text in place
// ---------------------------------------------------------------------------

// Offset just past the JSON value that starts at `pos`.
size_t skip_value(const std::string& s, size_t pos) {
  if (pos >= s.size()) throw std::logic_error("skip_value past the end");
  if (s[pos] == '"') {
    for (++pos; pos < s.size() && s[pos] != '"'; ++pos)
      if (s[pos] == '\\') ++pos;
    return pos + 1;
  }
  if (s[pos] == '[' || s[pos] == '{') {
    int depth = 0;
    for (; pos < s.size(); ++pos) {
      char c = s[pos];
      if (c == '"') {
        pos = skip_value(s, pos) - 1;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) return pos + 1;
      }
    }
    throw std::logic_error("unbalanced JSON");
  }
  while (pos < s.size() && !std::strchr(",]} \n\r\t", s[pos])) ++pos;
  return pos;
}

size_t skip_space(const std::string& s, size_t pos) {
  while (pos < s.size() && std::strchr(" \n\r\t", s[pos])) ++pos;
  return pos;
}

// Offsets of the quoted key and of its value.
std::pair<size_t, size_t> key_and_value(const std::string& s, const At& at) {
  size_t pos = at.after.empty() ? 0 : key_and_value(s, At{at.after}).second;
  const std::string quoted = "\"" + at.key + "\"";
  int seen = 0;
  while (true) {
    pos = s.find(quoted, pos);
    if (pos == std::string::npos)
      throw std::logic_error("key " + at.key + " #" + std::to_string(at.occurrence) + " not found");
    const size_t key = pos;
    size_t colon = skip_space(s, pos + quoted.size());
    pos += quoted.size();
    if (colon < s.size() && s[colon] == ':' && seen++ == at.occurrence) return {key, skip_space(s, colon + 1)};
  }
}

size_t value_offset(const std::string& s, const At& at) { return key_and_value(s, at).second; }

// [begin, end) of each element of the array value at `at`.
std::vector<std::pair<size_t, size_t>> elements(const std::string& s, const At& at) {
  size_t pos = value_offset(s, at);
  if (s[pos] != '[') throw std::logic_error("value of " + at.key + " is not an array");
  std::vector<std::pair<size_t, size_t>> out;
  pos = skip_space(s, pos + 1);
  if (s[pos] == ']') return out;
  while (true) {
    size_t end = skip_value(s, pos);
    out.emplace_back(pos, end);
    pos = skip_space(s, end);
    if (s[pos] == ']') return out;
    if (s[pos] != ',') throw std::logic_error("malformed array at " + at.key);
    pos = skip_space(s, pos + 1);
  }
}

std::string get_value(const std::string& s, const At& at) {
  size_t pos = value_offset(s, at);
  return s.substr(pos, skip_value(s, pos) - pos);
}

std::string set_value(std::string s, const At& at, const std::string& value) {
  size_t pos = value_offset(s, at);
  return s.replace(pos, skip_value(s, pos) - pos, value);
}

std::string get_element(const std::string& s, const At& at, size_t index) {
  auto e = elements(s, at).at(index);
  return s.substr(e.first, e.second - e.first);
}

std::string set_element(std::string s, const At& at, size_t index, const std::string& value) {
  auto e = elements(s, at).at(index);
  return s.replace(e.first, e.second - e.first, value);
}

size_t array_length(const std::string& s, const At& at) { return elements(s, at).size(); }

// Removes the last element of the array at `at`.
std::string drop_last(std::string s, const At& at) {
  auto e = elements(s, at);
  if (e.empty()) throw std::logic_error("empty array");
  size_t begin = e.size() == 1 ? e.back().first : e[e.size() - 2].second;
  return s.erase(begin, e.back().second - begin);
}

// Appends an element to the array at `at`.
std::string append(std::string s, const At& at, const std::string& value) {
  auto e = elements(s, at);
  if (e.empty()) throw std::logic_error("empty array");
  return s.insert(e.back().second, "," + value);
}

// Replaces the only occurrence of `from`.
std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  if (pos == std::string::npos) throw std::logic_error("\"" + from + "\" not found");
  if (s.find(from, pos + 1) != std::string::npos) throw std::logic_error("\"" + from + "\" found twice");
  return s.replace(pos, from.size(), to);
}

std::string trim_end(const std::string& s) { return s.substr(0, s.find_last_not_of(" \t\r\n") + 1); }

// Renames the key at `at` (the member is then missing under its real name).
std::string rename_key(std::string s, const At& at, const std::string& name) {
  const size_t key = key_and_value(s, at).first;
  return s.replace(key, at.key.size() + 2, "\"" + name + "\"");
}

}  // namespace xylem::malformed
