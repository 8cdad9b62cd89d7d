#include "demo/cluster/live_view.hpp"

#include <map>
#include <sstream>

namespace hearsay::tools {

LiveView::LiveView(std::vector<std::string> nodes, const Observer& observer, const Timeline& log,
                   const Progress& progress, const Traffic& traffic, Clock::time_point start,
                   std::FILE* out)
    : nodes_(std::move(nodes)),
      observer_(observer),
      log_(log),
      progress_(progress),
      traffic_(traffic),
      start_(start),
      out_(out) {}

LiveView::~LiveView() {
  stop();
}

void LiveView::start() {
  std::fputs("\x1b[?25l\x1b[2J", out_);  // hide the cursor, clear once
  thread_ = std::thread([this] {
    while (!stop_) {
      std::string frame = "\x1b[H";
      std::istringstream lines(render());
      for (std::string line; std::getline(lines, line);)
        frame += line + "\x1b[K\n";
      frame += "\x1b[J";
      std::fputs(frame.c_str(), out_);
      std::fflush(out_);
      for (int i = 0; i < 5 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void LiveView::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  std::fputs("\x1b[?25h", out_);
  std::fflush(out_);
}

std::string LiveView::render() const {
  const auto snap = observer_.snapshot();
  const auto now = Clock::now();
  // The digest most nodes report: a node that differs has not caught up.
  std::map<std::string, int> digests;
  for (const auto& [name, st] : snap)
    if (st.ok) ++digests[st.digest];
  std::string majority;
  int best = 0;
  for (const auto& [d, c] : digests)
    if (c > best) best = c, majority = d;

  std::ostringstream out;
  const auto [label, since] = progress_.get();
  char buf[256];
  std::snprintf(buf, sizeof buf, "hearsay cluster   %.1fs   %s (%.1fs)\n\n",
                std::chrono::duration<double>(now - start_).count(), label.c_str(),
                std::chrono::duration<double>(now - since).count());
  out << buf;
  std::snprintf(buf, sizeof buf, "%-9s %-10s %6s %8s %5s %5s  %-13s %s\n", "NODE", "ANSWERS",
                "ALIVE", "SUSPECT", "DEAD", "LEFT", "INSTANCES", "DIGEST");
  out << buf;
  for (const auto& name : nodes_) {
    const auto it = snap.find(name);
    if (it == snap.end() || !it->second.ok) {
      std::snprintf(buf, sizeof buf, "%-9s %-10s\n", name.c_str(), "no");
      out << buf;
      continue;
    }
    const auto& st = it->second;
    std::map<std::string, int> counts;
    for (const auto& [m, s] : st.members)
      ++counts[s];
    int passing = 0;
    for (const auto& [k, i] : st.instances)
      passing += i.health == "passing" ? 1 : 0;
    const std::string inst =
        std::to_string(passing) + "/" + std::to_string(st.instances.size()) + " passing";
    std::snprintf(buf, sizeof buf, "%-9s %-10s %6d %8d %5d %5d  %-13s %s\n", name.c_str(), "yes",
                  counts["alive"], counts["suspect"], counts["dead"], counts["left"], inst.c_str(),
                  st.digest == majority ? "\u2713" : "\u2717");
    out << buf;
  }
  const auto last = traffic_.figures(now - std::chrono::seconds(1), now);
  const auto total = traffic_.figures(start_, now);
  std::snprintf(buf, sizeof buf,
                "\ngateway: %d req/s, %d errors in the last second, %d of %d failed in all\n",
                last.requests, last.errors, total.errors, total.requests);
  out << buf << "\nevents:\n";
  for (const auto& e : log_.latest(8))
    out << "  " << e << "\n";
  return out.str();
}

}  // namespace hearsay::tools
