#!/usr/bin/env python3
"""Helpers for bench/vs-serf.sh: log stamping, waiting on the agents' own views,
idle cost sampling, and the report (table, JSON, docs/performance.md, plots).

Both systems are observed through what each agent itself recorded:
  hearsay: GET /v1/events on every agent (time_ms assigned by the agent),
           copied incrementally to DIR/hs-I.jsonl;
  Serf:    the agent's INFO log (serf: EventMember*, memberlist: Suspect ...),
           written to a FIFO and stamped with the wall clock on arrival by `mux`
           into DIR/serf-I.log (Serf's own log stamps have 1 s resolution).
Every event becomes (t_ms, type, member, extra) with type in
alive | suspect | dead | left | update | svc.
"""

import argparse
import json
import math
import os
import re
import selectors
import signal
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HS_HTTP_BASE = 21000


def now_ms():
    return time.time() * 1000.0


def name(i):
    return "n%d" % i


# ---------------------------------------------------------------------------
# mux: stamp Serf's log lines as they arrive

def cmd_mux(a):
    sel = selectors.DefaultSelector()
    outs, bufs = {}, {}
    for i in range(a.n):
        fifo = os.path.join(a.dir, "serf-%d.fifo" % i)
        # O_RDWR: the FIFO always has a writer (us), so no EOF spin before or
        # after the agent holds it; we are stopped by SIGTERM.
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        sel.register(fd, selectors.EVENT_READ, i)
        outs[i] = open(os.path.join(a.dir, "serf-%d.log" % i), "a", buffering=1)
        bufs[i] = b""
    open(os.path.join(a.dir, "mux.ready"), "w").close()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        try:
            ready = sel.select(timeout=0.5)
        except InterruptedError:
            continue
        for key, _ in ready:
            i = key.data
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            t = now_ms()
            bufs[i] += chunk
            *lines, bufs[i] = bufs[i].split(b"\n")
            for line in lines:
                outs[i].write("%.1f %s\n" % (t, line.decode("utf-8", "replace")))
    for f in outs.values():
        f.close()


# ---------------------------------------------------------------------------
# events, normalised

SERF_RE = re.compile(r"serf: EventMember(Join|Leave|Failed|Update|Reap): (\S+)")
SUSPECT_RE = re.compile(r"memberlist: Suspect (\S+) has failed")
SERF_TYPES = {"Join": "alive", "Leave": "left", "Failed": "dead", "Update": "update",
              "Reap": "reap"}
HS_TYPES = {"join": "alive", "alive": "alive", "suspect": "suspect", "dead": "dead",
            "left": "left", "updated": "update"}


def hs_get(port, path, timeout=3.0):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        return json.loads(r.read())


def hs_sync_one(d, i):
    """Append agent i's new events to DIR/hs-I.jsonl; False if it does not answer."""
    cur_file = os.path.join(d, "hs-%d.cursor" % i)
    after = 0
    if os.path.exists(cur_file):
        with open(cur_file) as f:
            after = int(f.read().strip() or 0)
    try:
        page = hs_get(HS_HTTP_BASE + i, "/v1/events?after=%d&wait=0s" % after)
    except Exception:
        return False
    if page["events"]:
        with open(os.path.join(d, "hs-%d.jsonl" % i), "a") as f:
            for e in page["events"]:
                f.write(json.dumps(e) + "\n")
    with open(cur_file, "w") as f:
        f.write(str(page["next"]))
    return True


def hs_sync(d, idx):
    with ThreadPoolExecutor(max_workers=8) as ex:
        list(ex.map(lambda i: hs_sync_one(d, i), idx))


def load_events(system, d, i):
    out = []
    if system == "hearsay":
        p = os.path.join(d, "hs-%d.jsonl" % i)
        if not os.path.exists(p):
            return out
        with open(p) as f:
            for line in f:
                e = json.loads(line)
                if e["kind"] == "member":
                    t = HS_TYPES.get(e["type"])
                    if t:
                        out.append((float(e["time_ms"]), t, e["member"], None))
                elif e["kind"] == "service" and e["type"] == "added":
                    out.append((float(e["time_ms"]), "svc", e["member"], e.get("id")))
    else:
        p = os.path.join(d, "serf-%d.log" % i)
        if not os.path.exists(p):
            return out
        with open(p, errors="replace") as f:
            for line in f:
                ts, _, rest = line.partition(" ")
                m = SERF_RE.search(rest)
                if m:
                    out.append((float(ts), SERF_TYPES[m.group(1)], m.group(2), None))
                    continue
                m = SUSPECT_RE.search(rest)
                if m:
                    out.append((float(ts), "suspect", m.group(1), None))
    out.sort(key=lambda e: e[0])
    return out


# ---------------------------------------------------------------------------
# wait: poll the agents' own views until a condition holds everywhere

def hs_views(idx):
    """hearsay: the names each agent's GET /v1/members lists alive (None: no answer)."""
    def one(i):
        try:
            return {m["name"] for m in hs_get(HS_HTTP_BASE + i, "/v1/members")
                    if m["state"] == "alive"}
        except Exception:
            return None
    with ThreadPoolExecutor(max_workers=8) as ex:
        return dict(zip(idx, ex.map(one, idx)))


def eval_join(system, d, living, t0, views=None):
    """Per observer: when its view last became complete (every other living agent alive).

    hearsay: a member the agent lists alive in /v1/members but never reported an
    event about was learnt before the agent subscribed to member events (the node
    joins in its constructor, the agent's watch comes after it): it counts as known
    from the start, and such members are counted in `known_without_event`."""
    per, complete, silent = {}, True, {}
    for o in living:
        others = {name(j) for j in living if j != o}
        evs = load_events(system, d, o)
        state, done_at = {}, None
        if views is not None:
            view = views.get(o) or set()
            mentioned = {m for _, typ, m, _ in evs if typ not in ("update", "svc")}
            pre = {x for x in others if x in view and x not in mentioned}
            if pre:
                silent[name(o)] = len(pre)
            state.update({x: "alive" for x in pre})
            if not others <= view:
                complete = False
        if others and all(state.get(x) == "alive" for x in others):
            done_at = t0
        for t, typ, m, _ in evs:
            if m not in others or typ in ("update", "svc"):
                continue
            state[m] = "alive" if typ == "alive" else typ
            full = all(state.get(x) == "alive" for x in others)
            if full and done_at is None:
                done_at = t
            elif not full:
                done_at = None
        if not others:
            done_at = t0
        if done_at is None:
            complete = False
        per[name(o)] = None if done_at is None else done_at - t0
    res = {"complete": complete, "per_observer_ms": per}
    if silent:
        res["known_without_event"] = silent
    if complete:
        res["all_ms"] = max(per.values())
    return res


def eval_update(system, d, living, t0, origin, tag):
    """Latency from the command (t0) to each other agent's own record of the change.
    Also the originating agent's own record (Serf logs its own EventMemberUpdate as
    SetTags applies it; hearsay's agent emits its own `service added` when its
    registry pump next runs)."""
    on = name(origin)

    def seen(evs):
        for t, typ, m, extra in evs:
            if t < t0 or m != on:
                continue
            if system == "hearsay" and typ == "svc" and extra == tag:
                return t
            if system == "serf" and typ == "update":
                return t
        return None

    origin_t = seen(load_events(system, d, origin))
    per = {}
    for o in living:
        if o != origin:
            v = seen(load_events(system, d, o))
            per[name(o)] = None if v is None else v - t0
    complete = all(v is not None for v in per.values())
    res = {"complete": complete, "origin_event_ms": None if origin_t is None else origin_t - t0,
           "per_observer_ms": per}
    if complete and per:
        lat = sorted(per.values())
        res["p50_ms"] = statistics.median(lat)
        res["max_ms"] = lat[-1]
    return res


def eval_gone(system, d, living, t0, victim, final):
    """final = dead (crash) or left (graceful leave). A leaver that an observer
    marks dead/failed instead (Serf: the leave intent came after memberlist's
    dead message; hearsay: the leave was not heard before a probe failed) counts
    as gone there too, and is listed under `seen_as_failed`."""
    vn = name(victim)
    ends = ("dead",) if final == "dead" else ("left", "dead")
    per, first_susp, complete, failed = {}, None, True, []
    for o in living:
        if o == victim:
            continue
        hit, how = None, None
        for t, typ, m, _ in load_events(system, d, o):
            if m != vn or t < t0:
                continue
            if typ in ("suspect", "dead", "left") and (first_susp is None or t < first_susp):
                first_susp = t
            if typ in ends and hit is None:
                hit, how = t, typ
            elif typ == "alive":
                hit = None  # refuted / rejoined: not final
        per[name(o)] = None if hit is None else hit - t0
        if hit is None:
            complete = False
        elif final == "left" and how != "left":
            failed.append(name(o))
    res = {"complete": complete, "per_observer_ms": per}
    if final == "dead":
        res["first_suspicion_ms"] = None if first_susp is None else first_susp - t0
    else:
        res["seen_as_failed"] = failed
    if complete and per:
        res["all_ms"] = max(per.values())
        res["p50_ms"] = statistics.median(per.values())
    return res


def cmd_wait(a):
    living = [int(x) for x in a.living.split(",") if x != ""]
    deadline = time.monotonic() + a.timeout
    while True:
        if a.system == "hearsay":
            hs_sync(a.dir, living)
        kind, *args = a.cond.split(":")
        if kind == "join":
            views = hs_views(living) if a.system == "hearsay" else None
            res = eval_join(a.system, a.dir, living, a.t0, views)
        elif kind == "update":
            res = eval_update(a.system, a.dir, living, a.t0, int(args[0]), args[1])
        elif kind in ("dead", "left"):
            res = eval_gone(a.system, a.dir, living, a.t0, int(args[0]), kind)
        else:
            sys.exit("unknown condition " + a.cond)
        if res["complete"] or time.monotonic() > deadline:
            break
        time.sleep(a.poll)
    res["cond"] = a.cond
    res["t0"] = a.t0
    res["living"] = living
    res["waited_s"] = round(a.timeout - (deadline - time.monotonic()), 2)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    summary = {k: v for k, v in res.items() if not k.startswith("per_observer")}
    print(json.dumps(summary))
    sys.exit(0 if res["complete"] else 3)


# ---------------------------------------------------------------------------
# idle: CPU, memory, threads per agent; loopback and TCP counters of the namespace

def proc_sample(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    mem = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":"):
                mem[parts[0][:-1]] = int(parts[1])
    threads = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
    return {"ticks": ticks, "rss_kib": mem.get("Rss", 0), "pss_kib": mem.get("Pss", 0),
            "private_kib": mem.get("Private_Clean", 0) + mem.get("Private_Dirty", 0),
            "threads": threads}


def net_sample():
    lo = None
    with open("/proc/net/dev") as f:
        for line in f:
            if line.strip().startswith("lo:"):
                v = line.split(":", 1)[1].split()
                lo = {"rx_bytes": int(v[0]), "rx_packets": int(v[1])}
    snmp = {}
    with open("/proc/net/snmp") as f:
        lines = f.read().splitlines()
    for h, v in zip(lines[0::2], lines[1::2]):
        proto = h.split(":")[0]
        for k, x in zip(h.split()[1:], v.split()[1:]):
            snmp[proto + "." + k] = int(x)
    return {"lo": lo, "tcp_active_opens": snmp.get("Tcp.ActiveOpens", 0),
            "tcp_passive_opens": snmp.get("Tcp.PassiveOpens", 0),
            "udp_out": snmp.get("Udp.OutDatagrams", 0),
            "tcp_out_segs": snmp.get("Tcp.OutSegs", 0)}


def cmd_idle(a):
    pids = [int(p) for p in a.pids.split(",")]
    hz = os.sysconf("SC_CLK_TCK")
    s0 = {p: proc_sample(p) for p in pids}
    n0, t0 = net_sample(), time.monotonic()
    load0 = open("/proc/loadavg").read().split()
    time.sleep(a.seconds)
    s1 = {p: proc_sample(p) for p in pids}
    n1, t1 = net_sample(), time.monotonic()
    load1 = open("/proc/loadavg").read().split()
    dt, n = t1 - t0, len(pids)
    cpu = [(s1[p]["ticks"] - s0[p]["ticks"]) / hz / dt * 100.0 for p in pids]
    mib = lambda k: [s1[p][k] / 1024.0 for p in pids]
    res = {
        "seconds": round(dt, 2), "agents": n,
        "cpu_pct_per_agent": statistics.mean(cpu), "cpu_pct_max": max(cpu),
        "rss_mib_per_agent": statistics.mean(mib("rss_kib")),
        "pss_mib_per_agent": statistics.mean(mib("pss_kib")),
        "private_mib_per_agent": statistics.mean(mib("private_kib")),
        "private_mib_max": max(mib("private_kib")),
        "threads_per_agent": statistics.mean(s1[p]["threads"] for p in pids),
        "lo_packets_per_agent_s": (n1["lo"]["rx_packets"] - n0["lo"]["rx_packets"]) / dt / n,
        "lo_bytes_per_agent_s": (n1["lo"]["rx_bytes"] - n0["lo"]["rx_bytes"]) / dt / n,
        "tcp_connections_opened": n1["tcp_active_opens"] - n0["tcp_active_opens"],
        "udp_datagrams_per_agent_s": (n1["udp_out"] - n0["udp_out"]) / dt / n,
        "tcp_segments_per_agent_s": (n1["tcp_out_segs"] - n0["tcp_out_segs"]) / dt / n,
        "loadavg_start": " ".join(load0[:4]), "loadavg_end": " ".join(load1[:4]),
    }
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}))


# ---------------------------------------------------------------------------
# report

def load_json(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(sysdir):
    """One system at one N: the figures of every row."""
    r = {}
    j = load_json(os.path.join(sysdir, "join.json"))
    r["join_all_s"] = j["all_ms"] / 1000.0 if j and j.get("complete") else None
    r["join_known_without_event"] = (j or {}).get("known_without_event", {})
    ch = [load_json(os.path.join(sysdir, f)) for f in sorted(os.listdir(sysdir))
          if f.startswith("change-") and not f.endswith(".cmd.json")]
    cmd = [load_json(os.path.join(sysdir, f)) for f in sorted(os.listdir(sysdir))
           if f.endswith(".cmd.json")]
    r["change_command_ms"] = med((c or {}).get("command_ms") for c in cmd)
    r["change_origin_event_ms"] = med(c.get("origin_event_ms") for c in ch)
    r["change_p50_each_ms"] = [c.get("p50_ms") for c in ch]
    r["change_max_each_ms"] = [c.get("max_ms") for c in ch]
    ch = [c for c in ch if c]
    r["change_reps"] = len(ch)
    r["change_incomplete"] = sum(1 for c in ch if not c.get("complete"))
    r["change_p50_ms"] = med(c.get("p50_ms") for c in ch)
    r["change_max_ms"] = med(c.get("max_ms") for c in ch)
    r["change_max_worst_ms"] = max((c.get("max_ms") or 0 for c in ch), default=None)
    cr = [load_json(os.path.join(sysdir, f)) for f in sorted(os.listdir(sysdir))
          if f.startswith("crash-")]
    cr = [c for c in cr if c]
    r["crash_reps"] = len(cr)
    r["crash_incomplete"] = sum(1 for c in cr if not c.get("complete"))
    r["crash_all_dead_s"] = (lambda v: None if v is None else v / 1000.0)(
        med(c.get("all_ms") for c in cr))
    sus = [c.get("first_suspicion_ms") for c in cr if c.get("first_suspicion_ms") is not None]
    r["crash_first_suspicion_s"] = None if not sus else statistics.median(sus) / 1000.0
    r["crash_first_suspicion_range_s"] = None if not sus else [min(sus) / 1000.0,
                                                              max(sus) / 1000.0]
    r["crash_all_dead_each_s"] = [None if c.get("all_ms") is None else c["all_ms"] / 1000.0
                                  for c in cr]
    lv = load_json(os.path.join(sysdir, "leave.json"))
    r["leave_all_ms"] = lv.get("all_ms") if lv and lv.get("complete") else None
    r["leave_p50_ms"] = lv.get("p50_ms") if lv else None
    r["leave_seen_as_failed"] = (lv or {}).get("seen_as_failed", [])
    idle = load_json(os.path.join(sysdir, "idle.json")) or {}
    r["idle"] = idle
    r["load_before"] = (load_json(os.path.join(sysdir, "meta.json")) or {}).get("load_before")
    r["load_after"] = (load_json(os.path.join(sysdir, "meta.json")) or {}).get("load_after")
    return r


ROWS = [
    # key, label, unit formatter
    ("join_all_s", "join burst: every agent lists every other alive (s)", "{:.2f}"),
    ("change_p50_ms", "service/tag change, p50 over nodes (ms, median of reps)", "{:.0f}"),
    ("change_max_ms", "service/tag change, max over nodes (ms, median of reps)", "{:.0f}"),
    ("crash_first_suspicion_s", "SIGKILL: first suspicion anywhere (s, median)", "{:.2f}"),
    ("crash_all_dead_s", "SIGKILL: every other node holds it dead/failed (s, median)",
     "{:.2f}"),
    ("leave_all_ms", "graceful leave: every other node holds it left (or failed) (ms)",
     "{:.0f}"),
    ("idle.cpu_pct_per_agent", "idle CPU per agent (% of a core)", "{:.3f}"),
    ("idle.rss_mib_per_agent", "resident memory per agent (MiB)", "{:.1f}"),
    ("idle.private_mib_per_agent", "private memory per agent (MiB)", "{:.1f}"),
    ("idle.threads_per_agent", "threads per agent", "{:.0f}"),
    ("idle.lo_packets_per_agent_s", "loopback packets per agent per s, idle", "{:.1f}"),
    ("idle.lo_bytes_per_agent_s", "loopback bytes per agent per s, idle", "{:.0f}"),
    ("idle.tcp_connections_opened", "TCP connections opened in the idle window", "{:.0f}"),
]


def get(r, key):
    v = r
    for k in key.split("."):
        v = v.get(k) if isinstance(v, dict) else None
    return v


def fmt(f, v):
    return "—" if v is None else f.format(v)


def build_table(results):
    ns = sorted(results, key=int)
    head = "| row |" + "".join(" N=%s hearsay | N=%s Serf | ratio |" % (n, n) for n in ns)
    sep = "|---|" + "---|---|---|" * len(ns)
    lines = [head, sep]
    for key, label, f in ROWS:
        cells = []
        for n in ns:
            h, s = get(results[n]["hearsay"], key), get(results[n]["serf"], key)
            ratio = "—" if (h is None or s is None or s == 0) else "%.2f" % (h / s)
            if key == "idle.tcp_connections_opened":
                ratio = ""
            cells += [fmt(f, h), fmt(f, s), ratio]
        lines.append("| " + label + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns = sorted(results, key=int)
    x = [int(n) for n in ns]
    files = []
    groups = [
        ("performance-times.png", [
            ("join_all_s", "join burst: all know all (s)"),
            ("change_max_ms", "change reaches every node, max (ms)"),
            ("crash_all_dead_s", "SIGKILL → dead everywhere (s)"),
            ("leave_all_ms", "graceful leave seen everywhere (ms)")]),
        ("performance-costs.png", [
            ("idle.cpu_pct_per_agent", "idle CPU per agent (% of a core)"),
            ("idle.private_mib_per_agent", "private memory per agent (MiB)"),
            ("idle.rss_mib_per_agent", "resident memory per agent (MiB)"),
            ("idle.lo_bytes_per_agent_s", "loopback bytes per agent per s")]),
    ]
    for fname, panels in groups:
        fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
        for ax, (key, title) in zip(axes.flat, panels):
            for sysname, style in (("hearsay", "o-"), ("serf", "s--")):
                ys = [get(results[n][sysname], key) for n in ns]
                ax.plot(x, [math.nan if v is None else v for v in ys], style,
                        label="hearsay" if sysname == "hearsay" else "Serf 0.9.4")
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("agents (N)")
            ax.set_xticks(x)
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle("hearsay vs Serf on loopback, LAN timers (bench/vs-serf.sh)", fontsize=11)
        fig.tight_layout()
        p = os.path.join(outdir, fname)
        fig.savefig(p, dpi=90)
        plt.close(fig)
        files.append(p)
    return files


DOC_ROWS = """\
What each row means (same definition for both systems; every time is taken
from the agents' own records: hearsay's `GET /v1/events` `time_ms`, stamped by
the agent; Serf's INFO log lines `serf: EventMember*` and `memberlist: Suspect
... has failed`, stamped with the wall clock as they arrive on the agent's
stdout, because Serf's log has 1 s resolution; Serf's event handlers are not
used, since the agent coalesces member events for them for up to seconds):

- **join burst**: the first agent (the seed) is started and waited for until
  its control API answers; then the other N−1 are started together, all with
  the seed as their only join address. The time runs from that start until the
  last agent's view became complete (every other agent alive), from each
  agent's own join/alive events. (Serf's `-join` exits when the seed is not
  listening yet, hence the seed first, for both.) A hearsay agent can list a
  member alive in `GET /v1/members` without ever reporting a join event for
  it: the node joins in its constructor, and the agent subscribes to member
  events only after that, so members in the seed's join answer can arrive
  first. Such members count as known from the agent's start (the report
  says how many there were).
- **service/tag change**: `PUT /v1/local/services` (a new service, no check)
  on one agent against `serf tags -set` on one agent; for every other agent,
  the time from the originating agent's own event for the change (hearsay: its
  `service added`; Serf: its own `EventMemberUpdate`) to that agent's event.
  p50 and max over the other agents, then the median of each over the reps
  (a different originating agent each rep). Changes are applied ~1 s apart.
  The times run from the moment the script issues the command (`curl` /
  the `serf tags` client), for both; the per-run notes give how long the
  command itself took and when the originating agent's own record came
  (hearsay's agent reports its own new service only at its registry pump's
  next 100 ms poll, so that record often comes after the other agents').
- **SIGKILL**: one agent (not the seed; a different one each rep) is killed;
  first suspicion = the earliest suspect (or dead) record about it on any
  other agent (for Serf only the prober logs a suspicion, which is the
  earliest anyway); every node = the last other agent's `dead` /
  `EventMemberFailed`. Times from the `kill`. Median over the reps.
- **graceful leave**: SIGINT to one agent (both agents leave gracefully on
  SIGINT); the time from the signal until the last other agent's `left` /
  `EventMemberLeave` — or `dead` / `EventMemberFailed` where an agent took the
  leaver for failed instead (counted in the per-run notes).
- **idle**: after the join, the changes and a wait (`--idle-start`, from the
  end of the join), nothing is sent to any agent for the idle window (30 s);
  CPU = utime+stime from `/proc/PID/stat` over the window, memory from
  `/proc/PID/smaps_rollup` at its end (resident = `Rss`, private =
  `Private_Clean + Private_Dirty`), threads from `/proc/PID/status`, all
  averaged over the agents. Loopback packets and bytes are the `lo` counters
  of `/proc/net/dev` over the window divided by N and by the seconds; the
  script runs in a private network namespace (`unshare --net`), so the
  counters hold only the agents' traffic (hearsay: TCP; Serf: UDP plus TCP
  push-pull). TCP connections opened = `Tcp: ActiveOpens` of
  `/proc/net/snmp` over the window, for the whole cluster.
"""


NOTES_MARKER = ("<!-- Everything below this line is written by hand and kept when "
                "bench/vs-serf.sh rewrites the file. -->")


def cmd_report(a):
    results = {}
    for n in os.listdir(a.dir):
        if not n.isdigit():
            continue
        nd = os.path.join(a.dir, n)
        if all(os.path.isdir(os.path.join(nd, s)) for s in ("hearsay", "serf")):
            results[n] = {s: summarize(os.path.join(nd, s)) for s in ("hearsay", "serf")}
    if not results:
        sys.exit("no results in " + a.dir)
    table = build_table(results)
    print(table)
    meta = load_json(os.path.join(a.dir, "machine.json")) or {}
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": meta, "results": results}, f, indent=1)
        print("wrote " + a.json)
    plots = []
    if a.plots and len(results) >= 2:
        plots = plot(results, a.plots)
        for p in plots:
            print("wrote " + p)
    if a.doc:
        loads = []
        for n in sorted(results, key=int):
            for s in ("hearsay", "serf"):
                r = results[n][s]
                loads.append("N=%s %s: %s → %s" % (n, "Serf" if s == "serf" else s,
                                                   r.get("load_before"), r.get("load_after")))
        detail = []
        for n in sorted(results, key=int):
            for s in ("hearsay", "serf"):
                r = results[n][s]
                detail.append(
                    "- N=%s %s: SIGKILL → dead everywhere per rep %s s; first suspicion "
                    "%s s; change p50 per rep %s ms, max per rep %s ms (the change command "
                    "itself took %s ms, the origin's own record came %s ms after it was "
                    "issued); incomplete reps: "
                    "%d change, %d crash; UDP datagrams %.2f and TCP segments %.2f per "
                    "agent per s; graceful leave p50 over nodes %s ms, marked failed "
                    "instead of left by %d node(s)."
                    % (n, "Serf" if s == "serf" else "hearsay",
                       ", ".join("—" if v is None else "%.2f" % v
                                 for v in r["crash_all_dead_each_s"]),
                       "—" if not r["crash_first_suspicion_range_s"] else
                       "%.2f–%.2f" % tuple(r["crash_first_suspicion_range_s"]),
                       ", ".join(fmt("{:.0f}", v) for v in r["change_p50_each_ms"]),
                       ", ".join(fmt("{:.0f}", v) for v in r["change_max_each_ms"]),
                       fmt("{:.0f}", r["change_command_ms"]),
                       fmt("{:.0f}", r["change_origin_event_ms"]),
                       r["change_incomplete"], r["crash_incomplete"],
                       r["idle"].get("udp_datagrams_per_agent_s", 0),
                       r["idle"].get("tcp_segments_per_agent_s", 0),
                       fmt("{:.0f}", r.get("leave_p50_ms")), len(r["leave_seen_as_failed"])))
        for n in sorted(results, key=int):
            kw = results[n]["hearsay"].get("join_known_without_event") or {}
            if kw:
                detail.append(
                    "- N=%s hearsay: %d agent(s) listed members alive in /v1/members without "
                    "ever reporting a join event about them (%s members in all): learnt "
                    "from the join answer before the agent subscribed to member events; "
                    "counted as known from the start."
                    % (n, len(kw), sum(kw.values())))
        kept = ""
        if os.path.exists(a.doc):
            with open(a.doc) as f:
                old = f.read()
            if NOTES_MARKER in old:
                kept = old[old.index(NOTES_MARKER):]
        with open(a.doc, "w") as f:
            f.write("# Performance: hearsay side by side with Serf\n\n")
            f.write("Measured by `%s` (issue 10): N hearsay agents, then N Serf "
                    "agents, on 127.0.0.1 in a private network namespace, both with "
                    "memberlist's LAN timers, the same harness definitions for both. "
                    "Ratio = hearsay / Serf (below 1: hearsay is faster or cheaper).\n\n"
                    % meta.get("command", "bench/vs-serf.sh"))
            f.write("Machine: %s CPUs (`nproc`), %s GiB memory (`free -g`), %s; hearsay "
                    "at %s; Serf %s (Debian). Started %s UTC. Load average (1 min) before → "
                    "after each system's run: %s.\n\n"
                    % (meta.get("nproc"), meta.get("mem_gib"), meta.get("kernel"),
                       meta.get("commit"), meta.get("serf_version"), meta.get("started"),
                       "; ".join(loads)))
            if meta.get("note"):
                f.write(meta["note"] + "\n\n")
            f.write(table + "\n\n")
            for p in plots:
                f.write("![%s](%s)\n\n" % (os.path.basename(p), os.path.basename(p)))
            f.write("Per run:\n\n" + "\n".join(detail) + "\n\n")
            f.write(DOC_ROWS)
            f.write("\nRerun: `bench/vs-serf.sh [--json FILE] [--doc docs/performance.md "
                    "--plots docs] N...` (default N: 16 32 64; `--help` for the options). "
                    "It builds `hearsay-cli` if `build/hearsay` is missing, installs "
                    "Debian's `serf` and `python3-matplotlib` when missing, and stops "
                    "every process it started, by PID, on every exit path.\n")
            f.write("\n" + (kept or NOTES_MARKER + "\n"))
        print("wrote " + a.doc)


def main():
    global HS_HTTP_BASE
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mux")
    m.add_argument("dir")
    m.add_argument("n", type=int)
    w = sub.add_parser("wait")
    w.add_argument("--system", required=True, choices=["hearsay", "serf"])
    w.add_argument("--dir", required=True)
    w.add_argument("--living", required=True)
    w.add_argument("--cond", required=True)
    w.add_argument("--t0", type=float, required=True)
    w.add_argument("--timeout", type=float, default=30)
    w.add_argument("--poll", type=float, default=0.5)
    w.add_argument("--http-base", type=int, default=HS_HTTP_BASE)
    w.add_argument("--out")
    i = sub.add_parser("idle")
    i.add_argument("--pids", required=True)
    i.add_argument("--seconds", type=float, default=30)
    i.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("--json")
    r.add_argument("--doc")
    r.add_argument("--plots")
    a = p.parse_args()
    if getattr(a, "http_base", None):
        HS_HTTP_BASE = a.http_base
    {"mux": cmd_mux, "wait": cmd_wait, "idle": cmd_idle, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
