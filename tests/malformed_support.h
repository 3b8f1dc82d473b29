// Helpers shared by the malformed-model tests: reading the fixture files, expecting
// clean errors, and editing JSON text in place (one value, one array element, one key).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xylem/xylem.h"

namespace xylem::malformed {

// The bytes of models/<relative> (read once per test binary).
const std::string& model_file(const std::string& relative);

// The message of the xylem::Error that loading throws, or a description of what
// happened instead (in `unexpected`).
std::optional<std::string> load_error(std::string_view bytes, const std::string& name, std::string& unexpected,
                                      const LoadOptions& options = {});
// Loading fails with an xylem::Error whose message starts with "<name>:" and contains every fragment.
::testing::AssertionResult fails_with(std::string_view bytes, const std::string& name,
                                      std::initializer_list<std::string> fragments, const LoadOptions& options = {});
// Loading fails with exactly this message.
::testing::AssertionResult fails_exactly(std::string_view bytes, const std::string& name, const std::string& expected,
                                         const LoadOptions& options = {});
// Loading fails with a message that starts with `start` and contains `fragment`.
::testing::AssertionResult fails_at(std::string_view bytes, const std::string& name, const std::string& start,
                                    const std::string& fragment, const LoadOptions& options = {});
// Loading either succeeds or throws xylem::Error naming the file; a loaded model
// then predicts a few rows without trouble.
::testing::AssertionResult loads_or_fails_cleanly(std::string_view bytes, const std::string& name);

// Where to edit: the `occurrence`-th (0-based) key `key` after the first key `after`.
struct At {
  std::string key;
  int occurrence = 0;
  std::string after = "";
};

size_t skip_value(const std::string& s, size_t pos);  // offset just past the JSON value at `pos`
size_t skip_space(const std::string& s, size_t pos);
std::pair<size_t, size_t> key_and_value(const std::string& s, const At& at);  // offsets of the quoted key and its value
size_t value_offset(const std::string& s, const At& at);
std::vector<std::pair<size_t, size_t>> elements(const std::string& s, const At& at);  // [begin, end) of each element
std::string get_value(const std::string& s, const At& at);
std::string set_value(std::string s, const At& at, const std::string& value);
std::string get_element(const std::string& s, const At& at, size_t index);
std::string set_element(std::string s, const At& at, size_t index, const std::string& value);
size_t array_length(const std::string& s, const At& at);
std::string drop_last(std::string s, const At& at);                       // removes the array's last element
std::string append(std::string s, const At& at, const std::string& value);  // appends an array element
std::string rename_key(std::string s, const At& at, const std::string& name);
std::string replace_once(std::string s, const std::string& from, const std::string& to);  // `from` must occur once
std::string trim_end(const std::string& s);

}  // namespace xylem::malformed
