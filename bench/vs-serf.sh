#!/usr/bin/env bash
# Side-by-side benchmark of hearsay agents against Serf agents (issue 10).
#
#   bench/vs-serf.sh [options] [N...]          (default N: 16 32 64)
#
# For each N: N `hearsay agent` processes (LAN profile), measured, stopped; then
# N `serf agent` processes (Serf's LAN profile = memberlist's LAN timers),
# measured, stopped. Rows: join burst, service/tag change, SIGKILL (first
# suspicion, dead everywhere), graceful leave, idle CPU / memory / threads,
# loopback packets and bytes. Definitions: docs/performance.md, and the
# header of bench/vs_serf.py.
#
# Everything runs on 127.0.0.1. As root the script re-runs itself in a private
# network namespace (unshare --net) so the loopback counters hold only the
# agents' traffic. Every process it starts is stopped by PID on every exit path.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPER="$ROOT/bench/vs_serf.py"
HS_BIN=${HEARSAY_BIN:-$ROOT/build/hearsay}
# Debian's python3 (python3-matplotlib is installed for it), not a pyenv shim.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

ORIG_ARGS="$*"
JSON="" DOC="" PLOTS="" KEEP=0 NETNS=1
IDLE=30 IDLE_START=60 CHANGE_REPS=5 CRASH_REPS=3
MAX_LOAD="" LOAD_DEADLINE="" NOTE="" SYSTEMS="hearsay serf"
NS=()

usage() {
  cat <<'EOF'
usage: bench/vs-serf.sh [options] [N...]     (default N: 16 32 64)

  --json FILE         write the results as JSON
  --doc FILE          write the Markdown report (e.g. docs/performance.md)
  --plots DIR         write PNG plots against N there (needs two N or more)
  --idle SECONDS      idle window for CPU, memory and packets (default 30)
  --idle-start S      start the idle window S seconds after the join (default 60,
                      past hearsay's 60 s idle-connection close)
  --change-reps R     service/tag change repetitions (default 5)
  --crash-reps R      SIGKILL repetitions (default 3)
  --max-load L        before each system at each N, wait until the 1-minute load average is
                      below L (checked every 30 s) ...
  --load-deadline T   ... but not past T (a `date -d` time, e.g. 00:50)
  --note TEXT         a line for the report (e.g. what else ran)
  --no-netns          measure on the host's loopback (counters include others')
  --keep              keep the work directory (agent logs, per-phase JSON)
  --only SYSTEM       run only hearsay or only serf (for debugging; no report)
EOF
}

while (($#)); do
  case $1 in
    --json) JSON=$(realpath -m "$2"); shift 2 ;;
    --doc) DOC=$(realpath -m "$2"); shift 2 ;;
    --plots) PLOTS=$(realpath -m "$2"); shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --idle-start) IDLE_START=$2; shift 2 ;;
    --change-reps) CHANGE_REPS=$2; shift 2 ;;
    --crash-reps) CRASH_REPS=$2; shift 2 ;;
    --max-load) MAX_LOAD=$2; shift 2 ;;
    --load-deadline) LOAD_DEADLINE=$2; shift 2 ;;
    --note) NOTE=$2; shift 2 ;;
    --no-netns) NETNS=0; shift ;;
    --keep) KEEP=1; shift ;;
    --only) SYSTEMS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "vs-serf: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) [[ $1 =~ ^[0-9]+$ && $1 -ge 4 ]] || { echo "vs-serf: N must be a number >= 4: $1" >&2; exit 2; }
       NS+=("$1"); shift ;;
  esac
done
((${#NS[@]})) || NS=(16 32 64)
for n in "${NS[@]}"; do
  ((n <= 900)) || { echo "vs-serf: N must be at most 900 (port ranges)" >&2; exit 2; }
done
log() { printf '%s vs-serf: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# --- outside the namespace: dependencies, then re-run inside -----------------
if [[ -z ${VS_SERF_INNER:-} ]]; then
  if [[ ! -x $HS_BIN ]]; then
    log "building hearsay-cli"
    cmake -S "$ROOT" -B "$ROOT/build" -G Ninja >/dev/null
    cmake --build "$ROOT/build" --parallel 2 --target hearsay-cli
  fi
  missing=()
  command -v serf >/dev/null || missing+=(serf)
  if [[ -n $PLOTS ]] && ! "$PY" -c 'import matplotlib' 2>/dev/null; then
    missing+=(python3-matplotlib)
  fi
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
  if ((NETNS)); then
    if [[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null; then
      export VS_SERF_INNER=1 VS_SERF_CMDLINE="bench/vs-serf.sh $ORIG_ARGS"
      args=()
      [[ -n $JSON ]] && args+=(--json "$JSON")
      [[ -n $DOC ]] && args+=(--doc "$DOC")
      [[ -n $PLOTS ]] && args+=(--plots "$PLOTS")
      [[ -n $MAX_LOAD ]] && args+=(--max-load "$MAX_LOAD")
      [[ -n $LOAD_DEADLINE ]] && args+=(--load-deadline "$LOAD_DEADLINE")
      [[ -n $NOTE ]] && args+=(--note "$NOTE")
      ((KEEP)) && args+=(--keep)
      args+=(--only "$SYSTEMS")
      exec unshare --net -- bash "${BASH_SOURCE[0]}" "${args[@]}" --idle "$IDLE" \
        --idle-start "$IDLE_START" --change-reps "$CHANGE_REPS" --crash-reps "$CRASH_REPS" \
        "${NS[@]}"
    fi
    log "not root or no unshare: measuring on the host's loopback (--no-netns)"
    NETNS=0
  fi
fi
if ((NETNS)); then
  ip link set lo up
fi

# --- process bookkeeping --------------------------------------------------------
PIDS=()        # every process started, stopped by PID on exit
WORK=$(mktemp -d /tmp/vs-serf.XXXXXX)

ours() {  # is PID still one of our agents / helpers (not a reused PID)?
  { tr '\0' ' ' </proc/"$1"/cmdline; } 2>/dev/null | grep -q -e "$HS_BIN agent" -e 'serf agent' -e 'vs_serf.py mux'
}
stop_pids() {  # stop_pids SIGNAL GRACE_SECONDS PID...
  local sig=$1 grace=$2 p left; shift 2
  for p in "$@"; do ours "$p" && kill -"$sig" "$p" 2>/dev/null || true; done
  for ((k = 0; k < grace * 10; k++)); do
    left=0
    for p in "$@"; do ours "$p" && [[ $(awk '{print $3}' /proc/"$p"/stat 2>/dev/null) != Z ]] && left=1; done
    ((left)) || return 0
    sleep 0.1
  done
  for p in "$@"; do ours "$p" && kill -KILL "$p" 2>/dev/null || true; done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  ((${#PIDS[@]})) && stop_pids TERM 5 "${PIDS[@]}"
  if ((KEEP)) || ((rc != 0)); then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }
load1() { cut -d' ' -f1 /proc/loadavg; }

wait_load() {
  [[ -n $MAX_LOAD ]] || return 0
  local deadline=""
  [[ -n $LOAD_DEADLINE ]] && deadline=$(date -d "$LOAD_DEADLINE" +%s)
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN{exit !(l >= m)}'; do
    if [[ -n $deadline ]] && (($(date +%s) >= deadline)); then
      log "load $(load1) still >= $MAX_LOAD at the deadline: measuring on a loaded machine"
      LOADED_NOTE+=" The machine was loaded: the 1-minute load average was still $(load1) (not below $MAX_LOAD) when N=$1 had to start."
      return 0
    fi
    log "load average $(load1) >= $MAX_LOAD, waiting 30 s"
    sleep 30
  done
}
LOADED_NOTE=""

# --- one system at one N ----------------------------------------------------------
# Ports: hearsay gossip 20000+i, control API 21000+i; Serf gossip 22000+i, RPC 23000+i.
declare -a APID
start_agent() {  # start_agent SYSTEM DIR I
  local sys=$1 d=$2 i=$3
  if [[ $sys == hearsay ]]; then
    local seed=()
    ((i > 0)) && seed=(--seed tcp://127.0.0.1:20000)
    "$HS_BIN" agent --name "n$i" --bind "tcp://127.0.0.1:$((20000 + i))" \
      --http "127.0.0.1:$((21000 + i))" --profile lan "${seed[@]}" \
      >/dev/null 2>"$d/agent-$i.log" &
  else
    local join=()
    ((i > 0)) && join=(-join 127.0.0.1:22000)
    serf agent -node "n$i" -bind "127.0.0.1:$((22000 + i))" -rpc-addr "127.0.0.1:$((23000 + i))" \
      "${join[@]}" >"$d/serf-$i.fifo" 2>&1 &
  fi
  APID[i]=$!
  PIDS+=($!)
  disown $!
}

seed_ready() {  # seed_ready SYSTEM DIR
  if [[ $1 == hearsay ]]; then
    curl -sf -o /dev/null --max-time 1 http://127.0.0.1:21000/v1/status
  else
    grep -q 'Serf agent running' "$2/serf-0.log" 2>/dev/null
  fi
}

living_csv() { local IFS=,; echo "${LIVING[*]}"; }
drop_living() { local v=$1 x out=(); for x in "${LIVING[@]}"; do ((x == v)) || out+=("$x"); done; LIVING=("${out[@]}"); }

wait_cond() {  # wait_cond SYSTEM DIR COND T0 TIMEOUT OUT
  "$PY" "$HELPER" wait --system "$1" --dir "$2" --living "$(living_csv)" --cond "$3" \
    --t0 "$4" --timeout "$5" --out "$6" || log "$1 $3: not complete within $5 s"
}

run_system() {  # run_system SYSTEM N
  local sys=$1 n=$2 d="$WORK/$2/$1" i r t0 mux=""
  mkdir -p "$d"
  APID=()
  LIVING=()
  for ((i = 0; i < n; i++)); do LIVING+=("$i"); done
  local load_before; load_before=$(load1)
  log "$sys N=$n: starting (load $load_before)"

  if [[ $sys == serf ]]; then
    for ((i = 0; i < n; i++)); do mkfifo "$d/serf-$i.fifo"; done
    "$PY" "$HELPER" mux "$d" "$n" & mux=$!
    PIDS+=("$mux"); disown "$mux"
    for ((k = 0; k < 100; k++)); do [[ -e $d/mux.ready ]] && break; sleep 0.05; done
  fi

  # 1. join burst: the seed first (Serf's -join exits if nobody listens), then the rest at once
  start_agent "$sys" "$d" 0
  for ((k = 0; k < 100; k++)); do seed_ready "$sys" "$d" && break; sleep 0.1; done
  t0=$(now_ms)
  for ((i = 1; i < n; i++)); do start_agent "$sys" "$d" "$i"; done
  wait_cond "$sys" "$d" join "$t0" 90 "$d/join.json"
  local joined; joined=$(date +%s)
  sleep 2  # let the join traffic pass before the changes

  # 2. service / tag change on one agent, a different one each rep
  for ((r = 0; r < CHANGE_REPS; r++)); do
    local origin=$((1 + r % (n - 1)))
    t0=$(now_ms)
    if [[ $sys == hearsay ]]; then
      curl -sf -o /dev/null --max-time 5 -X PUT "http://127.0.0.1:$((21000 + origin))/v1/local/services" \
        -d "{\"name\": \"bench\", \"id\": \"bench-$r\", \"endpoint\": \"http://127.0.0.1:9/$r\"}"
    else
      serf tags -rpc-addr "127.0.0.1:$((23000 + origin))" -set "bench=$r" >/dev/null
    fi
    echo "{\"command_ms\": $(($(now_ms) - t0))}" >"$d/change-$r.cmd.json"
    wait_cond "$sys" "$d" "update:$origin:bench-$r" "$t0" 40 "$d/change-$r.json"
    sleep 1
  done

  # 5./6. idle window, nothing sent to the agents
  local until=$((joined + IDLE_START)) now; now=$(date +%s)
  ((until > now)) && sleep $((until - now))
  local pids; pids=$(IFS=,; echo "${APID[*]}")
  "$PY" "$HELPER" idle --pids "$pids" --seconds "$IDLE" --out "$d/idle.json"

  # 3. SIGKILL, a different (non-seed) agent each rep
  for ((r = 0; r < CRASH_REPS; r++)); do
    local victim=$((n - 1 - r))
    ((victim >= 1)) || break
    t0=$(now_ms)
    kill -KILL "${APID[victim]}"
    drop_living "$victim"
    wait_cond "$sys" "$d" "dead:$victim" "$t0" 45 "$d/crash-$r.json"
    sleep 1
  done

  # 4. graceful leave (SIGINT: both agents leave gracefully on it)
  local leaver=$((n - 1 - CRASH_REPS))
  if ((leaver >= 1)); then
    t0=$(now_ms)
    kill -INT "${APID[leaver]}"
    drop_living "$leaver"
    wait_cond "$sys" "$d" "left:$leaver" "$t0" 20 "$d/leave.json"
  fi

  printf '{"load_before": %s, "load_after": %s}\n' "$load_before" "$(load1)" >"$d/meta.json"
  log "$sys N=$n: stopping"
  stop_pids TERM 8 "${APID[@]}"
  [[ -n $mux ]] && stop_pids TERM 2 "$mux"
  rm -f "$d"/*.fifo
}

# --- main ---------------------------------------------------------------------------
serf_version=$(dpkg-query -W -f='${Version}' serf 2>/dev/null || serf version | head -1)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || commit+="+changes"
started=$(date -u '+%Y-%m-%d %H:%M')
for n in "${NS[@]}"; do
  for s in $SYSTEMS; do
    wait_load "$n $s"  # also lets the previous system's load decay
    run_system "$s" "$n"
  done
done
[[ $SYSTEMS == "hearsay serf" ]] || { KEEP=1; exit 0; }

note=$NOTE
[[ -n $LOADED_NOTE ]] && note="$note$LOADED_NOTE"
((NETNS)) || note="$note Measured on the host's loopback (no private namespace): the packet and byte counters include other traffic."
"$PY" - "$WORK/machine.json" <<EOF
import json, sys
json.dump({"nproc": "$(nproc)", "mem_gib": "$(free -g | awk '/^Mem:/{print $2}')",
           "kernel": "Linux $(uname -r)", "commit": "$commit", "serf_version": "$serf_version",
           "started": "$started", "command": """${VS_SERF_CMDLINE:-bench/vs-serf.sh ${NS[*]}}""",
           "note": """${note# }""".strip()}, open(sys.argv[1], "w"))
EOF
report=("$PY" "$HELPER" report "$WORK")
[[ -n $JSON ]] && report+=(--json "$JSON")
[[ -n $DOC ]] && report+=(--doc "$DOC")
[[ -n $PLOTS ]] && report+=(--plots "$PLOTS")
"${report[@]}"
