// Errors hearsay reports by exception. Network input never throws: bad bytes
// are dropped and counted (see Stats). Exceptions are for programming and
// configuration mistakes a caller can fix.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace hearsay {

// A Config or an argument failed validation. field() names the offending
// field ("probe_timeout", "service.endpoint", ...), reason() says why.
class ConfigError : public std::invalid_argument {
 public:
  ConfigError(std::string field, std::string reason)
      : std::invalid_argument(field + ": " + reason),
        field_(std::move(field)),
        reason_(std::move(reason)) {}

  const std::string& field() const noexcept { return field_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string field_;
  std::string reason_;
};

}  // namespace hearsay
