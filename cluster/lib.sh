# shellcheck shell=bash
# cluster/lib.sh — shared helpers for the local etcd cluster kit (sourced, not run).
# Ports follow etcd's Procfile convention shifted by OFFSET = BASE_PORT - 2379:
#   member i: client 2379 (i=1) or i*10000+2379, peer i*10000+2380, metrics peer+1.

KIT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$KIT_DIR")
HOST=127.0.0.1

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
client_url()   { if ((${TLS:-0})); then echo "https://$HOST:$(client_port "$1")"; else echo "http://$HOST:$(client_port "$1")"; fi; }
tls_file()     { echo "$DATA_DIR/tls/$1"; }
member_dir()   { echo "$DATA_DIR/m$1"; }
pid_file()     { echo "$DATA_DIR/m$1.pid"; }

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

all_endpoints() { local i eps=(); for ((i = 1; i <= N; i++)); do eps+=("$(client_url "$i")"); done; (IFS=,; echo "${eps[*]}"); }

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

# member_index ARG: accepts mK or K, prints K (must be within 1..N).
member_index() {
  local k=${1#m}
  if ! [[ $k =~ ^[1-5]$ ]] || ((k > N)); then usage_error "unknown member '$1' (cluster has m1..m$N)"; fi
  echo "$k"
}

# member_pid I: prints the PID iff the PID file's process is alive and really is our etcd.
member_pid() {
  local f pid; f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  read -r pid <"$f" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | grep -xF -- "--data-dir=$(member_dir "$1")" >/dev/null || return 1
  echo "$pid"
}

port_in_use() {
  if command -v ss >/dev/null; then [[ -n $(ss -Hltn "sport = :$1") ]]
  else (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; fi
}

check_ports_free() {
  local p
  for p in "$(client_port "$1")" "$(peer_port "$1")" "$(metrics_port "$1")"; do
    port_in_use "$p" && die "port $p (needed by m$1) is already in use; pick another --base-port"
  done
  return 0
}

# member_args I: sets MEMBER_ARGS to the etcd command line for member I, ending with the
# words of $CLUSTER_ETCD_ARGS (more etcd flags, like --auth-token-ttl=2).
member_args() {
  local i=$1 j cluster=()
  for ((j = 1; j <= N; j++)); do cluster+=("m$j=http://$HOST:$(peer_port "$j")"); done
  MEMBER_ARGS=("$(etcd_tool etcd)" --name "m$i" "--data-dir=$(member_dir "$i")" --logger=zap
    --listen-client-urls "$(client_url "$i")" --advertise-client-urls "$(client_url "$i")"
    --listen-peer-urls "http://$HOST:$(peer_port "$i")"
    --initial-advertise-peer-urls "http://$HOST:$(peer_port "$i")"
    --listen-metrics-urls "http://$HOST:$(metrics_port "$i")"
    --initial-cluster "$(IFS=,; echo "${cluster[*]}")"
    --initial-cluster-token "$TOKEN" --initial-cluster-state new)
  if ((${TLS:-0})); then
    MEMBER_ARGS+=(--client-cert-auth "--trusted-ca-file=$(tls_file ca.pem)"
      "--cert-file=$(tls_file member.pem)" "--key-file=$(tls_file member-key.pem)")
  fi
  # shellcheck disable=SC2206
  MEMBER_ARGS+=(${CLUSTER_ETCD_ARGS:-})
}

# start_member I: launches etcd in its own session (immune to the caller's Ctrl-C)
# with a clean ETCD_* environment; the wrapper writes its own PID, then execs etcd,
# so the PID file holds etcd's PID.
start_member() {
  local i=$1
  member_args "$i"
  unset_env ETCD_
  mkdir -p "$DATA_DIR"
  rm -f "$(pid_file "$i")"
  # shellcheck disable=SC2016
  setsid env "${UNSET[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$(pid_file "$i")" "${MEMBER_ARGS[@]}" \
    </dev/null >>"$DATA_DIR/m$i.log" 2>&1 &
  local t
  for ((t = 0; t < 50; t++)); do [[ -s $(pid_file "$i") ]] && break; sleep 0.05; done
  log "started m$i (client $(client_url "$i"), log $DATA_DIR/m$i.log)"
}

# http_healthy ENDPOINTS: whether every member's HTTP /health says true. It needs no etcd user,
# where etcdctl's `endpoint health` does on a patched etcd with authentication on (3.5.28 and
# later answer its read "user name is empty"). A NOSPACE alarm does not make a member unhealthy.
http_healthy() {
  local url tls=()
  ((${TLS:-0})) && tls=(--cacert "$(tls_file ca.pem)" --cert "$(tls_file client.pem)" --key "$(tls_file client-key.pem)")
  for url in ${1//,/ }; do
    curl -fsS --max-time 2 "${tls[@]}" "$url/health?exclude=NOSPACE" 2>/dev/null | grep -q '"health":"true"' || return 1
  done
}

# wait_healthy ENDPOINTS TIMEOUT [I...]: polls `endpoint health` (or, with authentication on,
# each member's /health) until all endpoints are healthy; gives up early if one of the listed
# members' processes has exited.
wait_healthy() {
  local deadline=$((SECONDS + $2)) i
  until ectl --endpoints="$1" endpoint health >/dev/null 2>&1 || http_healthy "$1"; do
    for i in "${@:3}"; do
      member_pid "$i" >/dev/null || { log "error: m$i exited during startup"; return 1; }
    done
    ((SECONDS < deadline)) || { log "error: not healthy within ${2}s"; return 1; }
    sleep 0.3
  done
}

# wait_gone I PID SECS: waits until member I's PID is no longer our etcd.
wait_gone() {
  local deadline=$((SECONDS + $3))
  while [[ $(member_pid "$1" || true) == "$2" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# find_leader: prints the index of the member whose own status says it is leader.
find_leader() {
  local i live=() ep
  for ((i = 1; i <= N; i++)); do member_pid "$i" >/dev/null && live+=("$(client_url "$i")"); done
  ((${#live[@]})) || return 1
  # -w simple columns: endpoint, id, version, db size, is leader, ...
  ep=$(ectl --endpoints="$(IFS=,; echo "${live[*]}")" endpoint status -w simple 2>/dev/null |
    awk -F', ' '$5 == "true" { print $1; exit }') || true
  for ((i = 1; i <= N; i++)); do [[ $ep == "$(client_url "$i")" ]] && { echo "$i"; return 0; }; done
  return 1
}
