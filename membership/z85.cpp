#include "membership/z85.hpp"

namespace hearsay::membership {

bool is_z85_key(std::string_view key) noexcept {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  if (key.size() != 40) return false;
  for (const char c : key)
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace hearsay::membership
