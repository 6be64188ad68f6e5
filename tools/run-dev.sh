#!/usr/bin/env bash
# make run: bootstrap "Acme Corp" once (printing its administrator's random
# password), then run the server in the foreground with embedded defaults.
set -euo pipefail
build=${1:-build}
data=${2:-./data}
admin="$build/tools/admin/claribi-admin"
server="$build/src/server/claribi-server"
mkdir -p "$data"
if ! "$admin" --data-dir "$data" is-bootstrapped >/dev/null 2>&1; then
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  # The password goes in on stdin, never argv (where ps shows it).
  printf '%s\n' "$password" | "$admin" --data-dir "$data" bootstrap --org "Acme Corp" --plan professional \
    --ai-credits 1000 --email admin@example.com --password-stdin --first-name Ada --last-name Admin >/dev/null
  echo "==> Bootstrapped organization \"Acme Corp\"."
  echo "==> Administrator: admin@example.com  password: $password   (shown once; keep it)"
fi
echo "==> https://127.0.0.1:8443  (CA: $data/tls/dev-cert.pem; curl -k or --cacert)"
exec "$server" --data-dir "$data"
