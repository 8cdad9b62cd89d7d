#include "demo/gateway/proxy.hpp"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace hearsay::tools {

namespace {

using nlohmann::json;

struct Target {
  std::string service;
  std::string rest;  // starts with '/', keeps the query string
};

// "/web/a/b?x=1" -> {"web", "/a/b?x=1"}; "/web" -> {"web", "/"}.
std::optional<Target> split_target(const std::string& target) {
  if (target.size() < 2 || target[0] != '/') return std::nullopt;
  const auto end = target.find_first_of("/?", 1);
  Target t{target.substr(1, end == std::string::npos ? std::string::npos : end - 1),
           end == std::string::npos ? "/" : target.substr(end)};
  if (t.service.empty()) return std::nullopt;
  if (t.rest[0] == '?') t.rest.insert(0, "/");
  return t;
}

struct Upstream {
  std::string base;         // "http://host:port": what an httplib::Client takes
  std::string path_prefix;  // "" or "/prefix" from an endpoint like http://host:port/prefix
};

std::optional<Upstream> split_endpoint(const std::string& endpoint) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (endpoint.compare(0, scheme.size(), scheme) != 0) continue;
    const auto slash = endpoint.find('/', scheme.size());
    Upstream u{endpoint.substr(0, slash),
               slash == std::string::npos ? std::string() : endpoint.substr(slash)};
    while (!u.path_prefix.empty() && u.path_prefix.back() == '/')
      u.path_prefix.pop_back();
    if (u.base.size() == scheme.size()) return std::nullopt;
    return u;
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Headers that describe one connection, not the message (RFC 9110 7.6.1),
// those httplib computes itself, and the pseudo-headers its server adds.
bool not_forwarded(std::string_view name) {
  static constexpr std::array<std::string_view, 15> kSkip{"Connection",
                                                          "Keep-Alive",
                                                          "Proxy-Connection",
                                                          "Proxy-Authenticate",
                                                          "Proxy-Authorization",
                                                          "TE",
                                                          "Trailer",
                                                          "Transfer-Encoding",
                                                          "Upgrade",
                                                          "Content-Length",
                                                          "Host",
                                                          "REMOTE_ADDR",
                                                          "REMOTE_PORT",
                                                          "LOCAL_ADDR",
                                                          "LOCAL_PORT"};
  return std::any_of(kSkip.begin(), kSkip.end(), [&](auto skip) { return iequals(name, skip); });
}

// Methods a retry cannot harm even if the failed try reached the instance.
bool idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::string instance_key(const Instance& i) {
  return i.member + "/" + i.service.id;
}

void json_answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void name_instance(httplib::Response& res, const Instance& i) {
  res.set_header("X-Hearsay-Instance", i.service.id);
  res.set_header("X-Hearsay-Member", i.member);
}

}  // namespace

Proxy::Proxy(const Node& node, ProxyOptions options)
    : node_(node), options_(options), pool_(options.connect_timeout, options.read_timeout) {}

std::optional<Instance> Proxy::choose(std::string_view service, std::string_view key,
                                      const std::set<std::string>& tried) const {
  const Registry registry = node_.registry();
  // Unsuspected members first: a suspect may be dead. Only when none is left
  // do suspects get a chance (it may be alive behind a slow link).
  for (const bool suspects : {false, true}) {
    Query q;
    q.include_suspect = suspects;
    if (tried.empty()) {
      if (auto pick = registry.pick(service, options_.picker, key, q)) return pick;
      continue;
    }
    auto fresh = registry.lookup(service, q);
    std::erase_if(fresh, [&](const Instance& i) { return tried.count(instance_key(i)) > 0; });
    if (fresh.empty()) continue;
    // Let the picker choose again: a few draws usually find an instance not
    // tried yet (rendezvous never does, it keeps its favourite); else the
    // first one left, in the registry's stable order.
    for (std::size_t draw = 0; draw <= fresh.size(); ++draw) {
      auto pick = registry.pick(service, options_.picker, key, q);
      if (pick && !tried.count(instance_key(*pick))) return pick;
    }
    return fresh.front();
  }
  return std::nullopt;
}

void Proxy::serve(const httplib::Request& req, httplib::Response& res) {
  const auto target = split_target(req.target);
  if (!target) {
    json_answer(res, 404, {{"error", "no service in the path: use /<service>/<path>"}});
    return;
  }
  // Rendezvous hashing sticks a key to an instance: the caller's, or its address.
  const std::string key =
      req.has_header("X-Hearsay-Key") ? req.get_header_value("X-Hearsay-Key") : req.remote_addr;

  httplib::Request forward;
  forward.method = req.method;
  forward.body = req.body;
  for (const auto& [name, value] : req.headers)
    if (!not_forwarded(name)) forward.headers.emplace(name, value);
  forward.headers.emplace("X-Forwarded-For", req.remote_addr);

  std::set<std::string> tried;
  std::optional<Instance> last;
  std::string failure;
  int retries = 0;
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    auto instance = choose(target->service, key, tried);
    if (!instance) break;
    if (attempt > 0) ++retries;
    tried.insert(instance_key(*instance));
    last = instance;
    const auto& id = instance->service.id;
    const auto upstream = split_endpoint(instance->service.endpoint);
    if (!upstream) {
      failure = "instance " + id + " has endpoint '" + instance->service.endpoint +
                "', not an http:// URL";
      continue;
    }
    // A fresh copy per try: httplib adds Host and the like to the request it sends.
    httplib::Request request = forward;
    request.path = upstream->path_prefix + target->rest;
    auto client = pool_.acquire(upstream->base);
    httplib::Response answer;
    auto error = httplib::Error::Success;
    if (client->is_valid() && client->send(request, answer, error)) {
      pool_.release(upstream->base, std::move(client));
      res.status = answer.status;
      for (const auto& [name, value] : answer.headers)
        if (!not_forwarded(name)) res.headers.emplace(name, value);
      res.body = std::move(answer.body);
      name_instance(res, *instance);
      count(false, retries, &id);
      return;
    }
    failure = "no answer from " + id + " at " + instance->service.endpoint + ": " +
              httplib::to_string(error);
    // Without a connection nothing was sent and any method may be retried;
    // after that, a non-idempotent request may have been processed already.
    const bool nothing_sent =
        error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout;
    if (!nothing_sent && !idempotent(req.method)) {
      failure += " (not retried: a " + req.method + " may have been processed)";
      break;
    }
  }

  if (!last) {
    json_answer(res, 503, {{"error", "no healthy instance of '" + target->service + "'"}});
    count(true, retries, nullptr);
    return;
  }
  json_answer(res, 502, {{"error", failure}, {"instance", last->service.id}});
  name_instance(res, *last);
  count(true, retries, nullptr);
}

void Proxy::count(bool error, int retries, const std::string* answered_by) {
  std::lock_guard lock(mu_);
  ++requests_;
  if (error) ++errors_;
  retries_ += static_cast<std::uint64_t>(retries);
  if (answered_by) ++by_instance_[*answered_by];
}

json Proxy::stats_json() const {
  std::lock_guard lock(mu_);
  return json{{"requests", requests_},
              {"errors", errors_},
              {"retries", retries_},
              {"by_instance", by_instance_}};
}

}  // namespace hearsay::tools
