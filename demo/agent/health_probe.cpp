#include "demo/agent/health_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <variant>

#include "demo/agent/agent_config.hpp"

namespace hearsay::tools {

namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Why a step failed, as the check output says it.
struct Failure {
  std::string what;
};

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count() > 60'000 ? 60'000 : left.count());
}

// Waits for `events` on `fd`, or the wake fd, or the deadline.
std::optional<Failure> wait_for(int fd, short events, int wake_fd, Clock::time_point deadline,
                                std::chrono::milliseconds timeout) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, ms_left(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failure{std::string("poll: ") + std::strerror(errno)};
    if (wake_fd >= 0 && (fds[1].revents & POLLIN)) return Failure{"check stopped"};
    if (fds[0].revents != 0) return std::nullopt;
    if (Clock::now() >= deadline)
      return Failure{"timed out after " + std::to_string(timeout.count()) + "ms"};
  }
}

// A connected socket to host:port, within the deadline.
std::variant<int, Failure> connect_to(const std::string& host, const std::string& port, int wake_fd,
                                      Clock::time_point deadline,
                                      std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return Failure{"cannot resolve '" + host + "': " + ::gai_strerror(rc)};
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    if (errno != EINPROGRESS) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    if (auto f = wait_for(fd, POLLOUT, wake_fd, deadline, timeout)) {
      ::close(fd);
      ::freeaddrinfo(found);
      return *f;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    last = std::strerror(err);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return Failure{last};
}

struct Url {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

std::optional<Url> parse_url(const std::string& url) {
  static constexpr std::string_view scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find_first_of("/?");
  const std::string authority = rest.substr(0, slash);
  Url u;
  if (slash != std::string::npos) u.path = rest.substr(slash);
  if (u.path.front() == '?') u.path.insert(0, "/");
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      u.port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

ProbeResult critical(std::string what) {
  return {Health::critical, std::move(what)};
}

}  // namespace

ProbeResult probe_http(const std::string& url, std::chrono::milliseconds timeout, int wake_fd) {
  const auto deadline = Clock::now() + timeout;
  const auto u = parse_url(url);
  if (!u) return critical("GET " + url + ": not an http:// URL");
  auto conn = connect_to(u->host, u->port, wake_fd, deadline, timeout);
  if (auto* f = std::get_if<Failure>(&conn)) return critical("GET " + url + ": " + f->what);
  Fd sock(std::get<int>(conn));
  const std::string host_header =
      u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
  const std::string request = "GET " + u->path + " HTTP/1.1\r\nHost: " + host_header + ":" +
                              u->port +
                              "\r\nUser-Agent: hearsay-agent\r\nAccept: */*\r\n"
                              "Connection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (auto f = wait_for(sock.fd, POLLOUT, wake_fd, deadline, timeout))
      return critical("GET " + url + ": " + f->what);
    const auto n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return critical("GET " + url + ": " + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  // Only the status line matters: "HTTP/1.1 200 OK".
  std::string head;
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    if (auto f = wait_for(sock.fd, POLLIN, wake_fd, deadline, timeout))
      return critical("GET " + url + ": " + f->what);
    char buf[1024];
    const auto n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return critical("GET " + url + ": " + std::strerror(errno));
    if (n == 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  const auto eol = head.find("\r\n");
  const std::string line = head.substr(0, eol);
  int code = 0;
  if (line.size() >= 12 && line.compare(0, 5, "HTTP/") == 0) {
    const auto space = line.find(' ');
    if (space != std::string::npos && space + 4 <= line.size()) {
      const std::string digits = line.substr(space + 1, 3);
      if (digits.find_first_not_of("0123456789") == std::string::npos) code = std::stoi(digits);
    }
  }
  if (code == 0) return critical("GET " + url + ": no HTTP status line in the answer");
  const std::string output = "GET " + url + ": " + line.substr(line.find(' ') + 1);
  if (code >= 200 && code < 300) return {Health::passing, output};
  if (code == 429) return {Health::warning, output};
  return {Health::critical, output};
}

ProbeResult probe_tcp(const std::string& host_port, std::chrono::milliseconds timeout,
                      int wake_fd) {
  const auto deadline = Clock::now() + timeout;
  HostPort hp;
  try {
    hp = parse_host_port(host_port, "tcp");
  } catch (const std::exception& e) {
    return critical(e.what());
  }
  auto conn = connect_to(hp.host, std::to_string(hp.port), wake_fd, deadline, timeout);
  if (auto* f = std::get_if<Failure>(&conn))
    return critical("connect " + host_port + ": " + f->what);
  Fd sock(std::get<int>(conn));
  return {Health::passing, "connect " + host_port + ": connected"};
}

}  // namespace hearsay::tools
