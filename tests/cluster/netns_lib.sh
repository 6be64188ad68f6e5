# One network namespace per cluster member, all on one bridge (issue 17,
# item 6). The bridge lives in a namespace of its own too, so nothing of the
# host's network is touched; everything is torn down by netns_teardown.
#   netns_setup NAME...     a namespace per NAME on 10.77.0.0/24 (addresses
#                           from NETNS_ADDR[NAME], set before)
#   inns NAME CMD...        CMD inside NAME's namespace
#   link_down NAME / link_up NAME   the member's cable pulled / put back
#   blackhole NAME ADDR / unblackhole NAME ADDR   NAME's packets to ADDR dropped
#   netns_teardown          every process in the namespaces killed, namespaces gone
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): netns_available says whether
# this machine allows it.
NETNS_ID=${NETNS_ID:-c$(($$ % 100000))}
NETNS_SWITCH="$NETNS_ID-sw"
declare -A NETNS_ADDR
NETNS_MEMBERS=()

netns_available() {
  [ "$(id -u)" -eq 0 ] || return 1
  command -v ip >/dev/null || return 1
  ip netns add "$NETNS_ID-probe" 2>/dev/null || return 1
  ip netns del "$NETNS_ID-probe"
}

ns_of() { echo "$NETNS_ID-$1"; }
# The member's cable in the switch namespace (15 characters at most).
port_of() { echo "${NETNS_ID}p$1"; }

netns_setup() {
  ip netns add "$NETNS_SWITCH"
  ip -n "$NETNS_SWITCH" link add br0 type bridge
  ip -n "$NETNS_SWITCH" link set br0 up
  ip -n "$NETNS_SWITCH" link set lo up
  local m
  for m in "$@"; do
    ip netns add "$(ns_of "$m")"
    NETNS_MEMBERS+=("$m")
    ip link add eth0 netns "$(ns_of "$m")" type veth peer name "$(port_of "$m")" netns "$NETNS_SWITCH"
    ip -n "$NETNS_SWITCH" link set "$(port_of "$m")" master br0 up
    ip -n "$(ns_of "$m")" addr add "${NETNS_ADDR[$m]}/24" dev eth0
    ip -n "$(ns_of "$m")" link set eth0 up
    ip -n "$(ns_of "$m")" link set lo up
  done
}

inns() {
  local m=$1
  shift
  ip netns exec "$(ns_of "$m")" "$@"
}

link_down() { ip -n "$NETNS_SWITCH" link set "$(port_of "$1")" down; }
link_up() { ip -n "$NETNS_SWITCH" link set "$(port_of "$1")" up; }
blackhole() { ip -n "$(ns_of "$1")" route add blackhole "$2/32"; }
unblackhole() { ip -n "$(ns_of "$1")" route del blackhole "$2/32"; }

netns_teardown() {
  local m ns pids
  # The shell reports each background job it reaps as "Killed" on stderr, whichever command runs then:
  # stderr is closed over the kills and the wait for them.
  exec 3>&2 2>/dev/null
  for m in "${NETNS_MEMBERS[@]}"; do
    ns=$(ns_of "$m")
    pids=$(ip netns pids "$ns" || true)
    [ -n "$pids" ] && kill -CONT $pids || true
    [ -n "$pids" ] && kill -KILL $pids || true
  done
  wait || true
  exec 2>&3 3>&-
  for m in "${NETNS_MEMBERS[@]}"; do
    ns=$(ns_of "$m")
    for _ in $(seq 1 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    ip netns del "$ns" 2>/dev/null || true
  done
  ip netns del "$NETNS_SWITCH" 2>/dev/null || true
  NETNS_MEMBERS=()
}
