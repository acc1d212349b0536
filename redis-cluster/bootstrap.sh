#!/bin/sh
# Creates the chat's Redis Cluster from running, empty nodes and waits until it serves.
#
#   bootstrap.sh [--replicas N] [--timeout SECONDS] host:port host:port ...
#
# Used by docker-compose.yml (the one-shot `redis-init` service, with redis-N:6379 names) and by the
# local test harness (test/harness/redis-cluster.ts, with 127.0.0.1:port addresses). It is
# idempotent: nodes that already form a cluster (a compose restart with kept volumes) are only
# waited for. Exits non-zero when the cluster is not healthy within the timeout.
# POSIX sh on purpose: it runs inside the redis image (Debian or Alpine) and on the host.
set -eu

replicas=1
timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "bootstrap: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: bootstrap.sh [--replicas N] [--timeout SECONDS] host:port host:port ..." >&2
  exit 2
fi

# The nodes' password (requirepass), when they have one: redis-cli reads it from REDISCLI_AUTH,
# which keeps it off the command line.
if [ -n "${REDIS_PASSWORD:-}" ]; then
  REDISCLI_AUTH=$REDIS_PASSWORD
  export REDISCLI_AUTH
fi

deadline=$(( $(date +%s) + timeout ))
log() { echo "bootstrap: $*"; }
expired() { [ "$(date +%s)" -ge "$deadline" ]; }

# `redis-cli --cluster create` sends CLUSTER MEET, which takes IP addresses only, so compose's
# service names are resolved here. Clients still see the names: each compose node announces its
# own (cluster-announce-hostname), see docker-compose.yml.
resolve() {
  host=$1
  case "$host" in
    *[!0-9.]*) ;;
    *) echo "$host"; return 0 ;;
  esac
  while :; do
    ip=$(getent ahostsv4 "$host" 2>/dev/null | awk 'NR == 1 { print $1 }')
    if [ -n "$ip" ]; then echo "$ip"; return 0; fi
    if expired; then echo "bootstrap: cannot resolve $host" >&2; return 1; fi
    sleep 0.5
  done
}

addresses=""
count=0
for node in "$@"; do
  host=${node%:*}
  port=${node##*:}
  ip=$(resolve "$host")
  until [ "$(redis-cli -h "$ip" -p "$port" ping 2>/dev/null)" = "PONG" ]; do
    if expired; then echo "bootstrap: $node does not answer PING" >&2; exit 1; fi
    sleep 0.2
  done
  addresses="$addresses $ip:$port"
  count=$((count + 1))
done
log "nodes up:$addresses"

first=${addresses# }
first=${first%% *}
field() { # field NAME "CLUSTER INFO or INFO output"
  printf '%s\n' "$2" | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2 }'
}
known=$(field cluster_known_nodes "$(redis-cli -h "${first%:*}" -p "${first##*:}" cluster info)")
if [ "${known:-1}" -gt 1 ]; then
  log "nodes already form a cluster ($known known); not creating"
else
  # shellcheck disable=SC2086 # one argument per address
  redis-cli --cluster create $addresses --cluster-replicas "$replicas" --cluster-yes
fi

# Healthy means: every node agrees the cluster is ok, knows every other node and sees every replica
# as one (roles spread by gossip, after cluster_state is already ok), and every replica has
# finished its first sync with its master (so a failover test starts from a real replica).
expected_replicas=$(( count - count / (replicas + 1) ))
for address in $addresses; do
  ip=${address%:*}
  port=${address##*:}
  while :; do
    info=$(redis-cli -h "$ip" -p "$port" cluster info 2>/dev/null || true)
    replication=$(redis-cli -h "$ip" -p "$port" info replication 2>/dev/null || true)
    seen_replicas=$(redis-cli -h "$ip" -p "$port" cluster nodes 2>/dev/null | awk '$3 ~ /slave/' | wc -l)
    if [ "$(field cluster_state "$info")" = "ok" ] \
      && [ "$(field cluster_known_nodes "$info")" = "$count" ] \
      && [ "$seen_replicas" -eq "$expected_replicas" ] \
      && { [ "$(field role "$replication")" != "slave" ] || [ "$(field master_link_status "$replication")" = "up" ]; }; then
      break
    fi
    if expired; then
      echo "bootstrap: $address is not healthy within ${timeout}s:" >&2
      printf '%s\n%s\n' "$info" "$replication" >&2
      exit 1
    fi
    sleep 0.2
  done
done
log "cluster ok: $count nodes, $replicas replica(s) per master"
