#include "demo/cli/agent_client.hpp"

#include <cstdlib>
#include <utility>

#include <httplib.h>

#include "demo/common/errors.hpp"
#include "demo/common/host_port.hpp"

namespace hearsay::tools {

namespace {

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer";
    case httplib::Error::Write:
      return "connection lost while sending";
    case httplib::Error::Canceled:
      return "request canceled";
    default:
      return httplib::to_string(error);
  }
}

nlohmann::json answer(const httplib::Result& res, const std::string& addr) {
  if (!res)
    throw std::runtime_error("cannot reach the agent at " + addr + " (" + describe(res.error()) +
                             "); is `hearsay agent` running?");
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status >= 400) {
    const std::string message =
        body.is_object() && body.contains("error") && body["error"].is_string()
            ? body["error"].get<std::string>()
            : "the agent answered HTTP " + std::to_string(res->status);
    throw AgentError(res->status, message);
  }
  if (body.is_discarded())
    throw std::runtime_error("the agent at " + addr + " answered with something other than JSON");
  return body;
}

}  // namespace

std::string resolve_http_addr(const std::string& flag) {
  std::string addr = flag;
  std::string source = "--http";
  if (addr.empty()) {
    const char* env = std::getenv(kHttpAddrEnv);
    if (env != nullptr && *env != '\0') {
      addr = env;
      source = kHttpAddrEnv;
    } else {
      addr = kDefaultHttpAddr;
    }
  }
  parse_host_port(addr, source);
  return addr;
}

std::string encode_path_segment(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4U];
      out += hex[u & 0xFU];
    }
  }
  return out;
}

AgentClient::AgentClient(std::string addr) : addr_(std::move(addr)) {
  const HostPort hp = parse_host_port(addr_, "--http");
  client_ = std::make_unique<httplib::Client>(hp.host, hp.port);
  client_->set_connection_timeout(std::chrono::seconds(5));
  client_->set_read_timeout(std::chrono::seconds(30));
  client_->set_write_timeout(std::chrono::seconds(10));
}

AgentClient::~AgentClient() = default;

nlohmann::json AgentClient::get(const std::string& path_and_query) {
  return answer(client_->Get(path_and_query.c_str()), addr_);
}

nlohmann::json AgentClient::put(const std::string& path, const nlohmann::json& body) {
  return answer(client_->Put(path.c_str(), body.dump(), "application/json"), addr_);
}

void AgentClient::set_read_timeout(std::chrono::seconds timeout) {
  client_->set_read_timeout(timeout);
}

void AgentClient::stop() {
  client_->stop();
}

}  // namespace hearsay::tools
