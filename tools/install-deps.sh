#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the benchmarks
# need. Idempotent and quiet: when everything is there it prints nothing and
# touches nothing. Called by every make target that needs packages.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev            # event loop, one uv_loop_t per reactor
  node-llhttp           # HTTP/1.1 parser, compiled as C from its sources
  android-libboringssl-dev  # TLS, SHA-256, HMAC, CSPRNG
  libsimdjson-dev       # JSON parsing (on-demand)
  librocksdb-dev        # storage
  libxxhash-dev         # hash tables and shard hashing
  libargon2-dev         # password hashing
  libtomlplusplus-dev   # config file
  libcli11-dev          # command-line flags
  libgtest-dev libgmock-dev  # tests
  libbenchmark-dev      # micro-benchmarks
  wrk nginx-light       # load generator and the side-by-side baseline
  valgrind              # bench/callgrind.sh: instructions per request
  clang libclang-rt-dev # fuzz/: libFuzzer targets under ASan + UBSan (make fuzz, and 30 s each in make test)
  curl                  # e-mail delivery of scheduled reports (run as a child process); the end-to-end tests
  jq python3 python3-jwt openssl  # end-to-end tests (quick start verbatim, JWT interop)
  python3-aiosmtpd      # end-to-end tests: the SMTP sink that receives scheduled reports
  testssl.sh            # end-to-end test of the TLS configuration (tests/e2e/testssl_test.sh)
  prometheus            # promtool check metrics on the metrics listener (tests/e2e/operability_test.sh)
  systemd               # systemd-analyze verify of config/claribi.service (tests/e2e/systemd_unit_test.sh)
  chromium              # end-to-end test of GET /api/docs/: the Redoc page rendered headless (tests/e2e/openapi_test.sh)
  haproxy               # end-to-end test of the health check and drain behind a load balancer
  libhiredis-dev        # rate_limits.backend = "redis": the shared sliding log, driven from each reactor's loop
  redis-server          # tests of the Redis limiter (tests/e2e/redis_limits_test.sh)
  libpq-dev             # storage.backend = "postgresql": libpq's header (the library is loaded at run time)
  postgresql            # tests of the PostgreSQL engine (tests/e2e/postgresql_test.sh starts a private cluster)
  iproute2              # tests/cluster/: ip netns and veth, one network namespace per cluster member
)
# Node.js and npm: the pinned npm packages of tools/openapi (the Redoc bundle the
# build installs for GET /api/docs/, and redocly lint in the tests). Debian's
# packages only where the commands are missing: a machine may have Node.js from
# elsewhere (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The nginx package starts a system service on install; the benchmark runs its
# own private instance, so the system one is stopped (it is not needed).
# The prometheus package does the same (only its promtool is used), and so do
# haproxy, redis-server and postgresql (their tests start private instances).
for service in nginx prometheus haproxy redis-server postgresql; do
  if printf '%s\n' "${missing[@]}" | grep -q "^$service"; then
    (command -v systemctl >/dev/null && $SUDO systemctl stop "$service" 2>/dev/null) || \
      (command -v service >/dev/null && $SUDO service "$service" stop >/dev/null 2>&1) || true
  fi
done
