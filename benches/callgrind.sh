#!/usr/bin/env bash
# Instructions per request of etcd-deck, counted by callgrind: unlike CPU time, they repeat from
# run to run on a busy machine, so a change of a few per cent shows. One etcd member (the
# cluster/ kit's, on free ports below the ephemeral range), the release binary under valgrind,
# keep-alive requests from curl; the counters are zeroed after a warm-up of each path, and
# dumped after it (one file per path, for callgrind_annotate). etcd-deck's own instructions
# only: not the kernel's, not etcd's.
#
#   benches/callgrind.sh [BINARY] [REQUESTS]
#
# BINARY defaults to target/release/etcd-deck (`make build`), REQUESTS to 500 (a fifth of them
# for the listing and the page). etcd and etcdctl come from the directory CLUSTER_ETCD_BIN,
# else PATH. TOKIO_WORKER_THREADS is passed on. Needs valgrind and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-target/release/etcd-deck}")
requests=${2:-500}
etcd_dir=${CLUSTER_ETCD_BIN:+$CLUSTER_ETCD_BIN/}
etcd=${etcd_dir}etcd
for tool in valgrind callgrind_control curl "$etcd" "${etcd_dir}etcdctl"; do
  command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x $binary ]] || { echo "callgrind.sh: no $binary (make build)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/etcd-deck-callgrind.XXXXXX)
deck=127.0.0.1:$(free_port)
pids=()
# The callgrind files stay in $work, to be read; etcd's data goes.
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  cluster/down --purge --data-dir "$work/etcd" >/dev/null 2>&1 || true
}
trap stop EXIT

# One member whose ports (base, base + 10001, base + 10002) are below 32768; `up` refuses a
# base whose ports are taken, and another is tried.
client=''
for _ in $(seq 8); do
  if up=$(cluster/up 1 --base-port $((1024 + RANDOM % 21742)) --data-dir "$work/etcd" 2>>"$work/etcd.log"); then
    client=${up##*ETCD_ENDPOINTS=}
    break
  fi
  cluster/down --purge --data-dir "$work/etcd" >/dev/null 2>&1 || true
done
[[ -n $client ]] || { echo "callgrind.sh: no etcd member started (see $work/etcd.log)" >&2; exit 1; }
ctl() { "${etcd_dir}etcdctl" --endpoints "$client" "$@" >/dev/null; }
value=$(printf 'v%.0s' $(seq 192))
ctl put k "$value"
for i in $(seq -w 100); do ctl put "list/key-$i" "value $i"; done

# Health checks and metrics reads would run during the counted requests: far apart here.
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  "$binary" --etcd-endpoints "$client" --addr "$deck" --health-interval 1h \
  --metrics-interval 5m >"$work/deck.log" 2>&1 &
valgrind_pid=$!
pids+=("$valgrind_pid")
for _ in $(seq 120); do curl -sf -o /dev/null "http://$deck/healthz" && break; sleep 1; done
sleep 5 # what the server does once after starting (its first reads of the members) is not counted

# measure NAME LABEL COUNT PATH [CURL ARGS]: COUNT requests on one connection, after 20
# unmeasured (3 lines of the config each); NAME names the dump.
measure() {
  local name=$1 label=$2 count=$3 path=$4
  shift 4
  for ((i = 0; i < count; i++)); do
    printf 'url = "http://%s%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$deck" "$path"
  done >"$work/urls"
  head -60 "$work/urls" >"$work/warm-up"
  curl -s --max-time 300 -K "$work/warm-up" "$@" >/dev/null
  callgrind_control -z "$valgrind_pid" >/dev/null 2>&1
  local codes
  codes=$(curl -s --max-time 600 -K "$work/urls" "$@" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
  callgrind_control -d "$name" "$valgrind_pid" >/dev/null 2>&1
  local dump
  for _ in $(seq 50); do
    dump=$(grep -l "^desc: Trigger: dump $name\$" "$work"/callgrind.out.* 2>/dev/null || true)
    [[ -n $dump ]] && break
    sleep 0.2
  done
  local total
  total=$(awk '/^summary:/ { print $2; exit }' "$dump")
  printf '%-22s %12d  %-14s %s\n' "$label" $((total / count)) "$codes" "$dump"
}

printf '%-22s %12s  %-14s %s\n' path "instructions" statuses "callgrind file"
measure healthz "GET /healthz" "$requests" /healthz
measure get "REST GET" "$requests" /api/v1/keys/k
measure put "REST PUT" "$requests" /api/v1/keys/k -X PUT -H 'content-type: application/json' \
  --data "{\"value\":\"$value\"}"
measure list "REST list (100 keys)" $((requests / 5)) '/api/v1/keys?prefix=list/&limit=100'
measure page "page / (100 keys)" $((requests / 5)) '/?prefix=list/'
echo "per request, in etcd-deck's threads; annotate with: callgrind_annotate --inclusive=yes FILE"
