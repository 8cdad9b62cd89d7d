// A small HTTP client for the local agent's control API (docs/agent.md),
// turning every failure into one line the user can act on.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace hearsay::tools {

inline constexpr const char* kDefaultHttpAddr = "127.0.0.1:7900";
inline constexpr const char* kHttpAddrEnv = "HEARSAY_HTTP_ADDR";

// Where the agent listens: `flag` if given, else $HEARSAY_HTTP_ADDR, else
// 127.0.0.1:7900. Throws UsageError naming the source when it is not
// HOST:PORT (demo/common/host_port.hpp).
std::string resolve_http_addr(const std::string& flag);

// The agent answered with an error status; what() is its {"error"} text.
struct AgentError : std::runtime_error {
  AgentError(int status_code, const std::string& message)
      : std::runtime_error(message), status(status_code) {}
  int status;
};

// Percent-encodes one path segment (a service name or id).
std::string encode_path_segment(std::string_view s);

class AgentClient {
 public:
  // `addr` is HOST:PORT (as resolve_http_addr returns it); UsageError if not.
  explicit AgentClient(std::string addr);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Both throw std::runtime_error ("cannot reach the agent at ...") when the
  // agent does not answer, AgentError on a 4xx/5xx answer.
  nlohmann::json get(const std::string& path_and_query);
  nlohmann::json put(const std::string& path, const nlohmann::json& body);

  // Long polls need a read timeout longer than the agent's wait.
  void set_read_timeout(std::chrono::seconds timeout);

  // Aborts a request in flight from another thread (watch's Ctrl-C).
  void stop();

  const std::string& addr() const { return addr_; }

 private:
  std::string addr_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace hearsay::tools
