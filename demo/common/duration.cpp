#include "demo/common/duration.hpp"

#include <charconv>
#include <cmath>

#include "demo/common/errors.hpp"

namespace hearsay::tools {

std::chrono::milliseconds parse_duration(std::string_view text) {
  const auto bad = [&] {
    return UsageError("'" + std::string(text) + "' is not a duration like 500ms, 2s, 1m");
  };
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
    ++i;
  if (i == 0 || i == text.size()) throw bad();
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc{} || end != text.data() + i || !std::isfinite(value)) throw bad();
  const auto unit = text.substr(i);
  double ms_per = 0;
  if (unit == "ms")
    ms_per = 1;
  else if (unit == "s")
    ms_per = 1000;
  else if (unit == "m")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  else
    throw bad();
  const double ms = value * ms_per;
  if (ms > 1e15) throw bad();
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms >= 1000 && ms % 100 == 0) {
    const auto whole = std::to_string(ms / 1000);
    const auto tenths = (ms % 1000) / 100;
    return tenths == 0 ? whole + "s" : whole + "." + std::to_string(tenths) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace hearsay::tools
