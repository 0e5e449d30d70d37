#!/usr/bin/env bash
# Installs the PostgreSQL clients test/clients drives (psql, pgbench, psycopg2, PgJDBC on Java 17) on Debian 12.
# Idempotent and quiet when everything is present; runs `apt-get update` only when something is missing.
set -euo pipefail

missing=()
if ! command -v psql >/dev/null 2>&1 || ! command -v pgbench >/dev/null 2>&1; then
  missing+=(postgresql-client-15)
fi
if ! /usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1; then
  missing+=(python3-psycopg2)
fi
if [ ! -e /usr/share/java/postgresql.jar ]; then
  missing+=(libpostgresql-jdbc-java)
fi
# `java File.java` (single-file source launch) needs the jdk.compiler module, which only the JDK has.
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  missing+=(openjdk-17-jdk-headless)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-clients.sh: missing ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-clients.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
