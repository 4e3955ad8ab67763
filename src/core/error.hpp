// src/core/error.hpp: the one error type a user sees. Every user-facing error
// says what was wrong, where (file, line, column, table, record, rank) and
// what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace portrait {

class Error : public std::runtime_error {
 public:
  // `what` is the problem, `where` the place (file:line:col, shard/table/
  // column, ...), `hint` what the user can do. Empty parts are left out.
  Error(std::string what, std::string where = {}, std::string hint = {});

  const std::string& problem() const noexcept { return problem_; }
  const std::string& where() const noexcept { return where_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string problem_;
  std::string where_;
  std::string hint_;
};

}  // namespace portrait
