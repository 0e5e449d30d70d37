#!/usr/bin/env bash
# Installs what `npm run test:pg-regress` needs: PostgreSQL 15 server, client (pg_regress) and server headers
# from Debian, the postgresql-15 source of exactly the installed server version (sql/, expected/, schedules),
# and regress.so, autoinc.so and refint.so built from it with PGXS. Idempotent; a few milliseconds when all
# of it is there. Writes "$cache/current.env", which scripts/pg-regress/run.ts reads.
#
# Environment: MB_PG_REGRESS_CACHE (default /var/cache/mini-balancer/pg-regress as root,
# ${XDG_CACHE_HOME:-$HOME/.cache}/mini-balancer/pg-regress otherwise), MB_PG_REGRESS_MAJOR (default 15).
set -euo pipefail

major="${MB_PG_REGRESS_MAJOR:-15}"
if [ "$(id -u)" = 0 ]; then
  cache="${MB_PG_REGRESS_CACHE:-/var/cache/mini-balancer/pg-regress}"
else
  cache="${MB_PG_REGRESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mini-balancer/pg-regress}"
fi
bindir="/usr/lib/postgresql/$major/bin"
pg_regress="/usr/lib/postgresql/$major/lib/pgxs/src/test/regress/pg_regress"

say() { echo "install-pg-regress: $*"; }
die() {
  echo "install-pg-regress: ERROR: $*" >&2
  exit 1
}

installed_version() {
  { dpkg-query -W -f='${db:Status-Status} ${Version}' "$1" 2>/dev/null || true; } | sed -n 's/^installed //p'
}

# Runs a command as root: directly, or through password-less sudo; fails with what to run otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "needs root to run: $*"
  fi
}

command -v dpkg-query >/dev/null || die "this script needs a Debian system (dpkg-query not found)"

# 1. Debian packages: server, client, server headers of one version; a C toolchain; dpkg-source.
server_version="$(installed_version "postgresql-$major")"
missing=()
[ -n "$server_version" ] || missing+=("postgresql-$major")
for pkg in "postgresql-client-$major" "postgresql-server-dev-$major"; do
  v="$(installed_version "$pkg")"
  if [ -z "$v" ] || { [ -n "$server_version" ] && [ "$v" != "$server_version" ]; }; then
    missing+=("$pkg${server_version:+=$server_version}")
  fi
done
for pkg in gcc make libc6-dev dpkg-dev; do
  [ -n "$(installed_version "$pkg")" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --allow-downgrades "${missing[@]}" \
    >/dev/null || die "could not install ${missing[*]}"
  server_version="$(installed_version "postgresql-$major")"
fi
[ -n "$server_version" ] || die "postgresql-$major is not installed"
for pkg in "postgresql-client-$major" "postgresql-server-dev-$major"; do
  v="$(installed_version "$pkg")"
  [ "$v" = "$server_version" ] || die "$pkg is ${v:-not installed}, the server postgresql-$major is $server_version"
done
for f in "$bindir/postgres" "$bindir/initdb" "$bindir/pg_ctl" "$bindir/psql" "$bindir/pg_config" "$pg_regress"; do
  [ -x "$f" ] || die "$f is missing although its package is installed"
done

# 2. The postgresql-NN source of exactly that version, through a private apt configuration with deb-src
#    entries (the machine's apt configuration is left unchanged).
versioned="$cache/$server_version"
src="$versioned/src"
if [ ! -e "$src/.complete" ]; then
  say "fetching the postgresql-$major $server_version source (apt-get source) into $src"
  apt_dir="$cache/apt"
  rm -rf "$apt_dir"
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  # Every Debian archive the machine uses for binaries, as a deb-src entry.
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -e "$f" ] || continue
      awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs:[^\n]*debian\.org/ && /Types:[^\n]*deb/ && !/Enabled: *no/ {
             sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -e "$f" ] || continue
      # One-line entries become deb822 stanzas: options in [...] are dropped except signed-by.
      awk '$1 == "deb" && /debian\.org/ {
             signed = ""; i = 2
             if ($2 ~ /^\[/) {
               while (i <= NF) { if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
                                 if ($i ~ /\]$/) { i++; break } ; i++ }
             }
             comps = ""; for (j = i + 2; j <= NF; j++) comps = comps " " $j
             printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:%s\n", $i, $(i + 1), comps
             if (signed != "") printf "Signed-By: %s\n", signed
             print ""
           }' "$f"
    done
  } >"$apt_dir/sources.list.d/debian-src.sources"
  if ! grep -q 'Types: deb-src' "$apt_dir/sources.list.d/debian-src.sources"; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\n\n' \
      "$codename" "$codename" >"$apt_dir/sources.list.d/debian-src.sources"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: %s-security\nComponents: main\n' \
      "$codename" >>"$apt_dir/sources.list.d/debian-src.sources"
  fi
  apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
    -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -o "Debug::NoLocking=1"
  )
  apt-get "${apt_opts[@]}" update -qq || die "apt-get update with the deb-src entries in $apt_dir failed"
  download="$versioned/download"
  rm -rf "$download" "$src"
  mkdir -p "$download"
  (cd "$download" && apt-get "${apt_opts[@]}" source --download-only -qq "postgresql-$major=$server_version") ||
    die "the source of postgresql-$major $server_version is not in the Debian archive; upgrade the server" \
      "(apt-get install postgresql-$major postgresql-client-$major postgresql-server-dev-$major) and run again"
  dsc="$(ls "$download"/*.dsc)"
  dpkg-source --no-check -x "$dsc" "$versioned/src.partial" >/dev/null || die "dpkg-source -x $dsc failed"
  mv "$versioned/src.partial" "$src"
  rm -rf "$download" "$apt_dir"
  [ -f "$src/src/test/regress/parallel_schedule" ] || die "$src has no src/test/regress/parallel_schedule"
  touch "$src/.complete"
  made_something=1
fi
regress="$src/src/test/regress"

# 3. The C modules the tests load from PG_LIBDIR (\set regresslib :libdir '/regress' :dlsuffix, etc.),
#    built against the installed server's headers with PGXS.
lib="$versioned/lib"
if [ ! -e "$lib/.complete" ]; then
  say "building regress.so, autoinc.so and refint.so with PGXS into $lib"
  build="$versioned/build"
  rm -rf "$build" "$lib"
  mkdir -p "$build" "$lib"
  cp "$regress/regress.c" "$src/contrib/spi/autoinc.c" "$src/contrib/spi/refint.c" "$build/"
  cat >"$build/Makefile" <<EOF
MODULES = regress autoinc refint
# refint.c and autoinc.c say so in contrib/spi/Makefile
PG_CPPFLAGS = -DREFINT_VERBOSE
PG_CONFIG = $bindir/pg_config
PGXS := \$(shell \$(PG_CONFIG) --pgxs)
include \$(PGXS)
EOF
  make -s -C "$build" >"$build/make.log" 2>&1 || {
    tail -n 40 "$build/make.log" >&2
    die "building the regression modules failed (log: $build/make.log)"
  }
  cp "$build"/*.so "$lib/"
  rm -rf "$build"
  touch "$lib/.complete"
  made_something=1
fi

# As root the tests run as the postgres OS user, whose server reads the data files and loads the modules.
if [ "$(id -u)" = 0 ] && [ -n "${made_something:-}" ]; then
  chmod -R a+rX "$cache"
fi

cat >"$cache/current.env.partial" <<EOF
PG_VERSION=$server_version
PG_BINDIR=$bindir
PG_REGRESS=$pg_regress
PG_REGRESS_INPUTDIR=$regress
PG_REGRESS_DLPATH=$lib
EOF
mv "$cache/current.env.partial" "$cache/current.env"
say "ready: PostgreSQL $server_version, tests in $regress, modules in $lib"
