#!/usr/bin/env bash
# Installs the pinned npm packages of tools/openapi (package-lock.json) into
# tools/openapi/node_modules, once per lock: `npm ci` runs only when the lock
# differs from the one the last successful install recorded. With an output
# path, also copies Redoc's standalone bundle there — the file the server
# serves at GET /api/docs/redoc.standalone.js (the build calls it this way).
#
#   bash tools/openapi/install.sh [BUNDLE_OUT]
#
# A failed install (no npm, no registry) is a warning, not an error, when
# called for the bundle: the server builds and runs without it, and
# GET /api/docs/ then answers 503 saying so; tests/e2e/openapi_test.sh fails.
# Without BUNDLE_OUT (the tests) a failed install is an error.
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
out=${1:-}
modules="$dir/node_modules"
stamp="$modules/.claribi-installed-lock.json"
bundle="$modules/redoc/bundles/redoc.standalone.js"

fail() {
  if [ -n "$out" ]; then
    echo "tools/openapi/install.sh: WARNING: $1; GET /api/docs/ will answer 503 until it is installed" >&2
    rm -f "$out"
    exit 0
  fi
  echo "tools/openapi/install.sh: $1" >&2
  exit 1
}

# Several build trees (build/, build-asan/, ...) may build at once: one
# install at a time, serialized on this script's own file.
exec 9<"$0"
flock 9

if ! cmp -s "$dir/package-lock.json" "$stamp" || [ ! -f "$bundle" ]; then
  command -v npm >/dev/null || fail "npm is not installed (tools/install-deps.sh installs it)"
  # --ignore-scripts: nothing here needs an install script (the one package
  # that has one, core-js, only prints a notice).
  npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >&2 ||
    fail "npm ci --prefix tools/openapi failed"
  cp "$dir/package-lock.json" "$stamp"
fi
[ -f "$bundle" ] || fail "$bundle is missing after npm ci"

if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")"
  # Copied through a temporary name: a server reading the file never sees half of it.
  cp "$bundle" "$out.tmp"
  mv -f "$out.tmp" "$out"
fi
