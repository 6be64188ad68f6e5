# What the benchmark scripts share (sourced): wrk's settings, the binaries,
# a free port, and a process's CPU time. BUILD must be set first.
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
# Scenarios run in ROUNDS interleaved rounds and each reports its median
# round: this VM's neighbours move req/s by 30% from one minute to the next.
ROUNDS=${BENCH_ROUNDS:-3}
# wrk gets core 1; the servers may use both cores (they are measured the same way).
WRK="taskset -c 1 wrk -t1 -c$CONNS -d$DURATION --latency -s bench/wrk/scenario.lua"
WARMUP="taskset -c 1 wrk -t1 -c$CONNS -d3s -s bench/wrk/scenario.lua"
SERVER="$BUILD/src/server/claribi-server"
ADMIN="$BUILD/tools/admin/claribi-admin"
HZ=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU ticks (user + system) of the processes given.
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
# µs of CPU per request: us_per_request TICKS REQUESTS
us_per_request() { awk -v t="$1" -v hz="$HZ" -v n="$2" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }
