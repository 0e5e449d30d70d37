#!/usr/bin/env bash
# Installs PgBouncer (Debian's `pgbouncer`) for the proxy-overhead benchmark, only when it is missing.
# pgbench comes with postgresql-client; it is installed too when absent. Idempotent: a second run does nothing.
set -euo pipefail

missing=()
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
# Another install script may hold the dpkg lock for a moment: wait for it rather than fail.
APT=(apt-get -o DPkg::Lock::Timeout=300 -qq)
# Refresh the package lists only when they cannot name a candidate for every missing package.
for pkg in "${missing[@]}"; do
  if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    "${SUDO[@]}" "${APT[@]}" update
    break
  fi
done
"${SUDO[@]}" "${APT[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
# The package starts a system-wide PgBouncer on port 6432 (the gateway's default port): the benchmark
# starts its own, so stop and disable that one where a service manager is present.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet pgbouncer 2>/dev/null; then
  "${SUDO[@]}" systemctl disable --now pgbouncer >/dev/null 2>&1 || true
elif [ -x /etc/init.d/pgbouncer ]; then
  "${SUDO[@]}" /etc/init.d/pgbouncer stop >/dev/null 2>&1 || true
fi
echo "installed: ${missing[*]}"
