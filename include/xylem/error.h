// Every failure xylem reports to a caller is an xylem::Error whose message says
// where (file, line or JSON path) and what went wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace xylem {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace xylem
