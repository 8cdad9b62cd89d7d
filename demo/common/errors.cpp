#include "demo/common/errors.hpp"

#include <exception>
#include <iostream>

#include "hearsay/errors.hpp"

namespace hearsay::tools {

int report_error(std::string_view program, const std::string& message, int code) {
  std::cout.flush();
  std::cerr << program << ": error: " << message << '\n';
  return code;
}

int run_main(std::string_view program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    return report_error(program, e.what(), kExitUsage);
  } catch (const ConfigError& e) {
    return report_error(program, e.what(), kExitUsage);
  } catch (const std::exception& e) {
    return report_error(program, e.what(), kExitFailure);
  }
}

}  // namespace hearsay::tools
