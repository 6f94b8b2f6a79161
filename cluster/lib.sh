# shellcheck shell=bash
# cluster/lib.sh — shared helpers for the local etcd cluster kit (sourced, not run).
# Members are known by name. The base members m1..mN, which `up` bootstraps, take their ports
# from etcd's Procfile convention shifted by OFFSET = BASE_PORT - 2379:
#   member i: client 2379 (i=1) or i*10000+2379, peer i*10000+2380, metrics peer+1;
# they keep their data, PID file and log in DATA_DIR/mI/, mI.pid and mI.log. A member that
# `join` added has any other name: its ports were probed when it joined and are recorded, with
# the --initial-cluster it joined with, in DATA_DIR/joined/NAME.member, beside its NAME/,
# NAME.pid and NAME.log there.

KIT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$KIT_DIR")
HOST=127.0.0.1
PROC=/proc # where processes are read from; a test of the kit may point it at a directory of its own

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage_error() { log "$*"; usage >&2; exit 2; }

# unset_env PREFIX: sets UNSET to `env -u` args for every exported PREFIX* variable.
# etcd and etcdctl 3.4 abort if e.g. ETCDCTL_ENDPOINTS or ETCD_NAME duplicates a flag.
unset_env() {
  local v
  UNSET=()
  for v in $(compgen -e "$1" || true); do [[ $v == ETCD_UNSUPPORTED_ARCH ]] || UNSET+=(-u "$v"); done
}
ectl() {
  unset_env ETCDCTL_
  local tls=()
  ((${TLS:-0})) && tls=(--cacert="$(tls_file ca.pem)" --cert="$(tls_file client.pem)" --key="$(tls_file client-key.pem)")
  env "${UNSET[@]}" ETCDCTL_API=3 "$(etcd_tool etcdctl)" --dial-timeout=1s --command-timeout=3s "${tls[@]}" "$@"
}

# etcd_tool NAME: the etcd or etcdctl to run: from $ETCD_BIN (a directory) when set, else PATH.
etcd_tool() { echo "${ETCD_BIN:+$ETCD_BIN/}$1"; }

# parse_common "EXTRA OPTS" "$@": handles --data-dir (+ -h); sets DATA_DIR, STATE_FILE and
# ARGS (leftovers). --base-port (-> BASE_PORT_REQ), --etcd-bin (-> ETCD_BIN_REQ) and flags such
# as --purge are only accepted when listed in EXTRA OPTS; any other option is a usage error.
# shellcheck disable=SC2034  # ARGS, BASE_PORT_REQ and ETCD_BIN_REQ are read by the calling script
parse_common() {
  local extra=" $1 "
  shift
  DATA_DIR=${CLUSTER_DATA_DIR:-$REPO_ROOT/.data/cluster}
  BASE_PORT_REQ=${CLUSTER_BASE_PORT:-}
  ETCD_BIN_REQ=${CLUSTER_ETCD_BIN:-}
  ARGS=()
  while (($#)); do
    case $1 in
      --data-dir) (($# >= 2)) || usage_error "--data-dir needs a value"; DATA_DIR=$2; shift ;;
      --data-dir=*) DATA_DIR=${1#*=} ;;
      --base-port|--base-port=*)
        [[ $extra == *" --base-port "* ]] || usage_error "--base-port only applies to cluster/up"
        if [[ $1 == *=* ]]; then BASE_PORT_REQ=${1#*=}
        else (($# >= 2)) || usage_error "--base-port needs a value"; BASE_PORT_REQ=$2; shift; fi ;;
      --etcd-bin|--etcd-bin=*)
        [[ $extra == *" --etcd-bin "* ]] || usage_error "--etcd-bin only applies to cluster/up"
        if [[ $1 == *=* ]]; then ETCD_BIN_REQ=${1#*=}
        else (($# >= 2)) || usage_error "--etcd-bin needs a value"; ETCD_BIN_REQ=$2; shift; fi ;;
      -h|--help) usage; exit 0 ;;
      -?*) [[ $extra == *" $1 "* ]] || usage_error "unknown option '$1'"; ARGS+=("$1") ;;
      *) ARGS+=("$1") ;;
    esac
    shift
  done
  [[ -n $DATA_DIR ]] || usage_error "--data-dir must not be empty"
  [[ $DATA_DIR == /* ]] || DATA_DIR=$REPO_ROOT/$DATA_DIR
  DATA_DIR=$(realpath -m "$DATA_DIR")
  STATE_FILE=$DATA_DIR/cluster.state
}

client_port()  { if (($1 == 1)); then echo $((2379 + OFFSET)); else echo $(($1 * 10000 + 2379 + OFFSET)); fi; }
peer_port()    { echo $(($1 * 10000 + 2380 + OFFSET)); }
metrics_port() { echo $(($1 * 10000 + 2381 + OFFSET)); }
tls_file()     { echo "$DATA_DIR/tls/$1"; }

# set_topology N BASE_PORT: validates and sets N, BASE_PORT, OFFSET.
set_topology() {
  N=$1 BASE_PORT=$2
  if ! [[ $BASE_PORT =~ ^[0-9]{1,5}$ ]] || ((BASE_PORT < 1 || BASE_PORT > 65535)); then
    usage_error "invalid base port '$BASE_PORT'"
  fi
  OFFSET=$((BASE_PORT - 2379))
  local top; top=$(metrics_port "$N")
  ((top <= 65535)) || die "base port $BASE_PORT too high for $N members: m$N metrics port would be $top (> 65535); max base port is $((BASE_PORT - top + 65535))"
}

# load_state: reads N/BASE_PORT/TOKEN recorded by `up`; fails if there is none.
load_state() {
  [[ -f $STATE_FILE ]] || die "no cluster recorded in $DATA_DIR (run cluster/up first)"
  local k v n='' b=''
  TOKEN='' TLS=0 ETCD_BIN=''
  while IFS='=' read -r k v; do
    case $k in N) n=$v ;; BASE_PORT) b=$v ;; TOKEN) TOKEN=$v ;; TLS) TLS=$v ;; ETCD_BIN) ETCD_BIN=$v ;; esac
  done <"$STATE_FILE"
  [[ $n =~ ^[135]$ ]] || die "corrupt state file $STATE_FILE"
  set_topology "$n" "$b"
}

save_state() {
  mkdir -p "$DATA_DIR"
  printf 'N=%s\nBASE_PORT=%s\nTOKEN=%s\nTLS=%s\nETCD_BIN=%s\n' "$N" "$BASE_PORT" "$TOKEN" "${TLS:-0}" "${ETCD_BIN:-}" >"$STATE_FILE"
}

# make_certs: writes a CA, a certificate for the members (127.0.0.1 and localhost) and a client
# certificate into $DATA_DIR/tls, unless they are there. The client certificate's common name,
# etcd-deck-client, is no etcd user: with authentication on, it still signs in as nobody.
make_certs() {
  local dir=$DATA_DIR/tls
  [[ -s $dir/client-key.pem ]] && return 0
  command -v openssl >/dev/null || die "openssl must be on PATH for --tls"
  mkdir -p "$dir"
  (
    cd "$dir"
    umask 077
    ossl() { openssl "$@" 2>/dev/null || die "openssl $1 failed"; }
    ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
      -subj "/CN=etcd-deck local CA" -keyout ca-key.pem -out ca.pem \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    issue() { # NAME CN EXTENDED-USAGE [SAN]
      ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
        -keyout "$1-key.pem" -out "$1.csr"
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
        "$3" "${4:+subjectAltName=$4}" >"$1.ext"
      ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
        -extfile "$1.ext" -out "$1.pem"
      rm -f "$1.csr" "$1.ext"
    }
    issue member "$HOST" serverAuth,clientAuth "IP:$HOST,DNS:localhost"
    issue client etcd-deck-client clientAuth
  )
  log "made a CA and certificates in $dir (CA: ca.pem; members: member.pem; clients: client.pem)"
}

# base_index NAME: prints I when NAME is the base member mI (I <= N; before a cluster is
# loaded, I <= 5); fails otherwise.
base_index() { [[ $1 =~ ^m([1-5])$ ]] && ((BASH_REMATCH[1] <= ${N:-5})) && echo "${BASH_REMATCH[1]}"; }

member_home() { if base_index "$1" >/dev/null; then echo "$DATA_DIR"; else echo "$DATA_DIR/joined"; fi; }
member_dir()  { echo "$(member_home "$1")/$1"; }
pid_file()    { echo "$(member_home "$1")/$1.pid"; }
log_file()    { echo "$(member_home "$1")/$1.log"; }
record_file() { echo "$DATA_DIR/joined/$1.member"; }

# member_names: prints m1..mN, then the names of the members `join` recorded, one a line.
member_names() {
  local i f
  for ((i = 1; i <= ${N:-5}; i++)); do echo "m$i"; done
  for f in "$DATA_DIR"/joined/*.member; do
    [[ -f $f ]] || continue
    f=${f##*/}
    echo "${f%.member}"
  done
}

# member_ports NAME: sets CLIENT_PORT, PEER_PORT and METRICS_PORT of member NAME and, for a
# joined member, JOINED_CLUSTER (the --initial-cluster it joined with) from its record.
member_ports() {
  local i k v f
  if i=$(base_index "$1"); then
    CLIENT_PORT=$(client_port "$i") PEER_PORT=$(peer_port "$i") METRICS_PORT=$(metrics_port "$i")
    return 0
  fi
  f=$(record_file "$1")
  [[ -f $f ]] || die "no member '$1' in $DATA_DIR"
  CLIENT_PORT='' PEER_PORT='' METRICS_PORT='' JOINED_CLUSTER=''
  while IFS='=' read -r k v; do
    case $k in
      CLIENT_PORT) CLIENT_PORT=$v ;; PEER_PORT) PEER_PORT=$v ;; METRICS_PORT) METRICS_PORT=$v ;;
      INITIAL_CLUSTER) JOINED_CLUSTER=$v ;;
    esac
  done <"$f"
  [[ "$CLIENT_PORT $PEER_PORT $METRICS_PORT" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ && -n $JOINED_CLUSTER ]] ||
    die "corrupt member record $f"
}

client_url() { member_ports "$1"; echo "$(if ((${TLS:-0})); then echo https; else echo http; fi)://$HOST:$CLIENT_PORT"; }
peer_url()   { member_ports "$1"; echo "http://$HOST:$PEER_PORT"; }

# all_endpoints: the client URLs of every member, base and joined, comma-separated.
all_endpoints() {
  local name eps=()
  while read -r name; do eps+=("$(client_url "$name")"); done < <(member_names)
  (IFS=,; echo "${eps[*]}")
}

# live_endpoints [EXCEPT]: the client URLs of the running members (other than EXCEPT),
# comma-separated.
live_endpoints() {
  local name eps=()
  while read -r name; do
    [[ $name == "${1:-}" ]] || ! member_pid "$name" >/dev/null || eps+=("$(client_url "$name")")
  done < <(member_names)
  (IFS=,; echo "${eps[*]}")
}

# voter_endpoints [EXCEPT]: the client URLs of the running members (other than EXCEPT) that
# are not learners, comma-separated: a learner refuses to add or remove members.
voter_endpoints() {
  local live; live=$(live_endpoints "${1:-}")
  [[ -n $live ]] || return 0
  { ectl --endpoints="$live" endpoint status -w json 2>/dev/null || true; } | python3 -c '
import json, sys
try:
    statuses = json.load(sys.stdin)
except ValueError:
    statuses = []
print(",".join(s["Endpoint"] for s in statuses if not s["Status"].get("isLearner")))'
}

# member_name ARG: prints the name of the member ARG means: mK or K for a base member, or the
# name of a joined member; a usage error for anything else.
member_name() {
  local k=${1#m}
  if [[ $k =~ ^[1-5]$ ]] && base_index "m$k" >/dev/null; then echo "m$k"
  elif valid_name "$1" && [[ -f $(record_file "$1") ]]; then echo "$1"
  else usage_error "unknown member '$1' (the cluster has m1..m$N and the members cluster/join started)"
  fi
}
valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$ ]]; }

# member_pid NAME: prints the PID iff the PID file's process is alive and really is our etcd.
member_pid() {
  local f pid; f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  read -r pid <"$f" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' '\n' 2>/dev/null <"$PROC/$pid/cmdline" | grep -xF -- "--data-dir=$(member_dir "$1")" >/dev/null || return 1
  echo "$pid"
}

port_in_use() {
  if command -v ss >/dev/null; then [[ -n $(ss -Hltn "sport = :$1") ]]
  else (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; fi
}

check_ports_free() {
  local p hint="pick another --base-port"
  base_index "$1" >/dev/null || hint="$1 joined with it; free it first"
  member_ports "$1"
  for p in "$CLIENT_PORT" "$PEER_PORT" "$METRICS_PORT"; do
    port_in_use "$p" && die "port $p (needed by $1) is already in use; $hint"
  done
  return 0
}

# member_args NAME: sets MEMBER_ARGS to the etcd command line for member NAME, ending with the
# words of $CLUSTER_ETCD_ARGS (more etcd flags, like --auth-token-ttl=2). Base members
# bootstrap the cluster together; a joined member joins it as it was when the member was added.
member_args() {
  local client peer j cluster=() state=new
  client=$(client_url "$1")
  member_ports "$1"
  peer=http://$HOST:$PEER_PORT
  if base_index "$1" >/dev/null; then
    for ((j = 1; j <= N; j++)); do cluster+=("m$j=http://$HOST:$(peer_port "$j")"); done
  else
    cluster=("$JOINED_CLUSTER") state=existing
  fi
  MEMBER_ARGS=("$(etcd_tool etcd)" --name "$1" "--data-dir=$(member_dir "$1")" --logger=zap
    --listen-client-urls "$client" --advertise-client-urls "$client"
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer"
    --listen-metrics-urls "http://$HOST:$METRICS_PORT"
    --initial-cluster "$(IFS=,; echo "${cluster[*]}")"
    --initial-cluster-token "$TOKEN" --initial-cluster-state "$state")
  if ((${TLS:-0})); then
    MEMBER_ARGS+=(--client-cert-auth "--trusted-ca-file=$(tls_file ca.pem)"
      "--cert-file=$(tls_file member.pem)" "--key-file=$(tls_file member-key.pem)")
  fi
  # shellcheck disable=SC2206
  MEMBER_ARGS+=(${CLUSTER_ETCD_ARGS:-})
}

# start_member NAME: launches etcd in its own session (immune to the caller's Ctrl-C)
# with a clean ETCD_* environment; the wrapper writes its own PID, then execs etcd,
# so the PID file holds etcd's PID.
start_member() {
  local pid_f log_f t
  member_args "$1"
  unset_env ETCD_
  pid_f=$(pid_file "$1") log_f=$(log_file "$1")
  mkdir -p "${pid_f%/*}"
  rm -f "$pid_f"
  # shellcheck disable=SC2016
  setsid env "${UNSET[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$pid_f" "${MEMBER_ARGS[@]}" \
    </dev/null >>"$log_f" 2>&1 &
  for ((t = 0; t < 50; t++)); do [[ -s $pid_f ]] && break; sleep 0.05; done
  log "started $1 (client $(client_url "$1"), log $log_f)"
}

# http_healthy ENDPOINTS: whether every member's HTTP /health says true. It needs no etcd user,
# where etcdctl's `endpoint health` does on a patched etcd with authentication on (3.5.28 and
# later answer its read "user name is empty"), and a learner answers it, where it refuses
# `endpoint health`'s read. A NOSPACE alarm does not make a member unhealthy.
http_healthy() {
  local url tls=()
  ((${TLS:-0})) && tls=(--cacert "$(tls_file ca.pem)" --cert "$(tls_file client.pem)" --key "$(tls_file client-key.pem)")
  for url in ${1//,/ }; do
    curl -fsS --max-time 2 "${tls[@]}" "$url/health?exclude=NOSPACE" 2>/dev/null | grep -q '"health":"true"' || return 1
  done
}

# wait_healthy ENDPOINTS TIMEOUT [NAME...]: polls each member's /health (or `endpoint health`)
# until all endpoints are healthy; gives up early if one of the named members' processes has
# exited.
wait_healthy() {
  local deadline=$((SECONDS + $2)) name
  until http_healthy "$1" || ectl --endpoints="$1" endpoint health >/dev/null 2>&1; do
    for name in "${@:3}"; do
      member_pid "$name" >/dev/null || { log "error: $name exited during startup"; return 1; }
    done
    ((SECONDS < deadline)) || { log "error: not healthy within ${2}s"; return 1; }
    sleep 0.3
  done
}

# pid_exiting PID: whether PID is a process on its way out that may still hold its files. The
# kernel frees a process's memory, which empties /proc/PID/cmdline, before it closes its files;
# and a multi-threaded process's files (its listening sockets among them) are closed only by the
# last of its threads to exit, which a thread waiting on the disk can delay. Every thread that
# is a zombie or dead has closed them. A thread can vanish between the listing and the read:
# `read` is used, as bash 5.2 under `set -e` ends the whole script, silently and in spite of
# `|| continue`, when `$(<FILE)` cannot open FILE.
pid_exiting() {
  local task stat
  [[ -z $(tr -d '\0' 2>/dev/null <"$PROC/$1/cmdline") ]] || return 1
  for task in "$PROC/$1"/task/*/stat; do
    { read -r stat <"$task"; } 2>/dev/null || continue
    stat=${stat##*) }
    [[ ${stat:0:1} == [ZX] ]] || return 0
  done
  return 1
}

# wait_gone NAME PID SECS: waits until member NAME's PID is no longer our etcd and has closed
# its files, so its ports are free.
wait_gone() {
  local deadline=$((SECONDS + $3))
  while [[ $(member_pid "$1" || true) == "$2" ]] || pid_exiting "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# stop_members NAME...: SIGTERM the given members together, then wait (SIGKILL after 10 s);
# adds how many were running to STOPPED.
STOPPED=0
stop_members() {
  local name pid
  local -A pids=()
  for name in "$@"; do
    pid=$(member_pid "$name") || continue
    pids[$name]=$pid
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "${!pids[@]}"; do
    pid=${pids[$name]}
    wait_gone "$name" "$pid" 10 && continue
    log "$name did not exit after 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$name" "$pid" 5 || die "$name (pid $pid) refuses to die"
  done
  STOPPED=$((STOPPED + ${#pids[@]}))
}

# find_leader: prints the name of the member whose own status says it is leader.
find_leader() {
  local live ep name
  live=$(live_endpoints)
  [[ -n $live ]] || return 1
  # -w simple columns: endpoint, id, version, db size, is leader, ...
  ep=$(ectl --endpoints="$live" endpoint status -w simple 2>/dev/null |
    awk -F', ' '$5 == "true" { print $1; exit }') || true
  while read -r name; do
    [[ $ep == "$(client_url "$name")" ]] && { echo "$name"; return 0; }
  done < <(member_names)
  return 1
}

# member_list ENDPOINTS: etcd's member list as JSON.
member_list() { ectl --endpoints="$1" member list -w json; }

# find_member JSON NAME PEER_URL: prints "ID NAME LEARNER" (hex ID, name or - when the member
# has not started, true or false) of the first member named NAME or with the peer URL PEER_URL
# in JSON (a member list); fails when there is none.
find_member() {
  python3 - "$@" <<'PY'
import json, sys
doc, name, peer = sys.argv[1:]
for m in json.loads(doc).get("members", []):
    if (name and m.get("name") == name) or peer in m.get("peerURLs", []):
        print("%x" % m["ID"], m.get("name") or "-", "true" if m.get("isLearner") else "false")
        sys.exit(0)
sys.exit(1)
PY
}
