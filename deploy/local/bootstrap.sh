#!/usr/bin/env bash
# Ledgerline local database bootstrap: idempotent.
#
#   deploy/local/bootstrap.sh install   PostgreSQL server + headers + TimescaleDB (root, Debian)
#   deploy/local/bootstrap.sh start     init (first time) and start this checkout's cluster,
#                                       create roles, template and app database
#   deploy/local/bootstrap.sh stop      stop this checkout's cluster
#   deploy/local/bootstrap.sh reset     stop, delete the cluster's data, start afresh
#   deploy/local/bootstrap.sh env       print the connection environment (shell syntax)
#
# One cluster per checkout: its own data directory, socket directory and port.
# The server runs as the unprivileged `postgres` user (PostgreSQL refuses root).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PG_MAJOR="${LEDGERLINE_PG_MAJOR:-15}"
PORT_BASE="${LEDGERLINE_PORT_BASE:-55432}"
PG_USER="${LEDGERLINE_PG_OSUSER:-postgres}"
TSDB_VERSION_WANTED="2.19.3"
DB_NAME="ledgerline"
TEMPLATE_DB="ledgerline_template"

say() { printf '\033[1;34m[db]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[db] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_pg() {
  # From /, which the postgres user can always enter (a checkout may sit in a 0700 directory).
  if [ "$(id -un)" = "$PG_USER" ]; then "$@"; else (cd / && runuser -u "$PG_USER" -- "$@"); fi
}

bindir() { echo "/usr/lib/postgresql/$PG_MAJOR/bin"; }
pg_config_bin() { echo "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"; }

# --- where this checkout's cluster lives ------------------------------------
state_dir() {
  # .data/ in the checkout when the postgres user can reach it; otherwise a
  # per-checkout directory under /var/tmp, named by a hash of the path.
  local local_dir="$ROOT/.data"
  mkdir -p "$local_dir"
  if id "$PG_USER" >/dev/null 2>&1 && as_pg test -x "$ROOT" 2>/dev/null; then
    echo "$local_dir"
  else
    local h; h=$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)
    local alt="/var/tmp/ledgerline-$h"
    mkdir -p "$alt"
    echo "$alt"
  fi
}

STATE=""
init_paths() {
  STATE="$(state_dir)"
  PGDATA="$STATE/pg"
  SOCKDIR="$STATE/run"
  LOGFILE="$STATE/postgres.log"
  CREDS="$ROOT/.data/credentials.env"
  PORTFILE="$ROOT/.data/port"
  mkdir -p "$ROOT/.data"
  # The postgres OS user (which a database superuser reaches through COPY … TO PROGRAM)
  # owns only its data and socket directories and its log: never the directory that holds
  # .data/env and the credentials, so it can neither read nor replace them.
  chown "$(id -u):$(id -g)" "$ROOT/.data" "$STATE"
  chmod 755 "$ROOT/.data" "$STATE"
  if [ "$STATE" != "$ROOT/.data" ]; then
    echo "$STATE" > "$ROOT/.data/cluster-location"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
  if [ -s "$PORTFILE" ]; then cat "$PORTFILE"; return; fi
  local h off p i
  h=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
  off=$(( h % 1000 ))
  for i in $(seq 0 999); do
    p=$(( PORT_BASE + (off + i) % 1000 ))
    if port_free "$p"; then echo "$p" > "$PORTFILE"; echo "$p"; return; fi
  done
  die "no free port in $PORT_BASE..$((PORT_BASE+999))"
}

# --- installation -----------------------------------------------------------
tsdb_installed() {
  [ -x "$(pg_config_bin)" ] || return 1
  local share; share=$("$(pg_config_bin)" --sharedir)
  ls "$share"/extension/timescaledb--*.sql >/dev/null 2>&1 && \
    [ -f "$("$(pg_config_bin)" --pkglibdir)/timescaledb.so" ]
}

need_root_debian() {
  local what="$1"
  [ -f /etc/debian_version ] || die "$what is missing and this is not Debian: install $what yourself (see README, 'Using an existing PostgreSQL'), or set DATABASE_URL."
  [ "$(id -u)" = 0 ] || die "$what is missing and installing it needs root: run 'sudo $0 install' once, or set DATABASE_URL to an existing PostgreSQL with TimescaleDB."
}

apt_updated=0
apt_install() {
  # Another checkout may be installing at the same moment: wait for dpkg's lock.
  if [ $apt_updated = 0 ]; then say "apt-get update"; apt-get update -qq >/dev/null; apt_updated=1; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "$@" >/dev/null
}

install_packages() {
  local missing=()
  [ -x "$(bindir)/postgres" ] || missing+=("postgresql-$PG_MAJOR")
  [ -f "/usr/include/postgresql/$PG_MAJOR/server/postgres.h" ] || missing+=("postgresql-server-dev-$PG_MAJOR")
  if ! tsdb_installed; then
    command -v cmake >/dev/null || missing+=(cmake)
    command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
    command -v gcc >/dev/null || missing+=(gcc)
    command -v make >/dev/null || missing+=(make)
    [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    need_root_debian "${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

debian_mirror() {
  # The mirror the machine's own apt sources use for Debian's main archive.
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/{print $2}' /etc/apt/sources.list.d/debian.sources | grep -v security | head -1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list | grep -v security | head -1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

debian_keyring() {
  local kr=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    kr=$(awk '/^Signed-By:/{print $2}' /etc/apt/sources.list.d/debian.sources | head -1)
  fi
  echo "${kr:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

build_timescaledb() {
  tsdb_installed && return 0
  need_root_debian "TimescaleDB for PostgreSQL $PG_MAJOR"
  local base="${LEDGERLINE_BUILD_DIR:-/var/cache/ledgerline-build}"
  mkdir -p "$base"
  # One build at a time on this machine: a second checkout waits, then finds it installed.
  exec 9>"$base/timescaledb.lock"
  if ! flock -n 9; then
    say "another checkout is building TimescaleDB: waiting for it"
    flock 9
  fi
  if tsdb_installed; then flock -u 9; return 0; fi
  local work="$base/timescaledb-pg$PG_MAJOR"
  rm -rf "$work"; mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/src"
  local mirror keyring
  mirror=$(debian_mirror); keyring=$(debian_keyring)
  say "building TimescaleDB from Debian's trixie source package ($mirror)"
  echo "deb-src [signed-by=$keyring] $mirror trixie main" > "$work/sources.list"
  local aptopts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
                 -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
                 -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1"
                 -o "APT::Sandbox::User=root")
  mkdir -p "$work/cache/archives/partial"
  apt-get "${aptopts[@]}" update -qq >/dev/null || die "could not read trixie's source index from $mirror"
  (cd "$work/src" && apt-get "${aptopts[@]}" source --download-only -qq timescaledb >/dev/null) \
    || die "could not download the timescaledb source package"
  local dsc; dsc=$(ls "$work"/src/timescaledb_*.dsc | head -1)
  (cd "$work/src" && dpkg-source --no-check -x "$dsc" tsdb >/dev/null)
  say "compiling $(basename "$dsc" .dsc) against PostgreSQL $PG_MAJOR (about 20 s on 2 cores)"
  (cd "$work/src/tsdb" && ./bootstrap -DAPACHE_ONLY=ON -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
      -DWARNINGS_AS_ERRORS=OFF -DGENERATE_DOWNGRADE_SCRIPT=OFF \
      -DPG_CONFIG="$(pg_config_bin)" >"$work/configure.log" 2>&1) \
    || die "TimescaleDB configure failed: see $work/configure.log"
  make -C "$work/src/tsdb/build" -j"$(nproc)" >"$work/build.log" 2>&1 \
    || die "TimescaleDB build failed: see $work/build.log"
  make -C "$work/src/tsdb/build" install >>"$work/build.log" 2>&1 \
    || die "TimescaleDB install failed: see $work/build.log"
  tsdb_installed || die "TimescaleDB built but not found in $("$(pg_config_bin)" --pkglibdir)"
  say "TimescaleDB installed"
  flock -u 9
}

cmd_install() {
  install_packages
  build_timescaledb
}

# --- the cluster --------------------------------------------------------------
pgctl() { as_pg "$(bindir)/pg_ctl" -D "$PGDATA" "$@"; }

running() { [ -f "$PGDATA/postmaster.pid" ] && pgctl status >/dev/null 2>&1; }

gen_password() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 28; }

write_credentials() {
  [ -s "$CREDS" ] && return 0
  umask 077
  cat > "$CREDS" <<CRED
LEDGERLINE_SUPER_PASSWORD=$(gen_password)
LEDGERLINE_MIGRATOR_PASSWORD=$(gen_password)
LEDGERLINE_APP_PASSWORD=$(gen_password)
CRED
}

init_cluster() {
  [ -f "$PGDATA/PG_VERSION" ] && return 0
  say "initialising cluster in $PGDATA"
  mkdir -p "$PGDATA" "$SOCKDIR"
  chown "$PG_USER" "$PGDATA" "$SOCKDIR"
  chmod 700 "$PGDATA"
  local pwfile; pwfile="$(mktemp)"
  # shellcheck disable=SC1090
  . "$CREDS"
  printf '%s\n' "$LEDGERLINE_SUPER_PASSWORD" > "$pwfile"
  chown "$PG_USER" "$pwfile"
  as_pg "$(bindir)/initdb" -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  local mem_gb; mem_gb=$(awk '/MemTotal/{printf "%d", $2/1024/1024}' /proc/meminfo)
  local shared=$(( mem_gb / 4 )); [ "$shared" -lt 1 ] && shared=1; [ "$shared" -gt 6 ] && shared=6
  local cache=$(( mem_gb * 3 / 4 )); [ "$cache" -lt 1 ] && cache=1
  cat >> "$PGDATA/postgresql.conf" <<CONF

# --- Ledgerline (deploy/local/bootstrap.sh), sized for $(nproc) cores / ${mem_gb} GB ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKDIR'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
timescaledb.max_background_workers = 4
max_worker_processes = 12
max_connections = 100
shared_buffers = ${shared}GB
effective_cache_size = ${cache}GB
maintenance_work_mem = 512MB
work_mem = 32MB
wal_buffers = 16MB
max_wal_size = 4GB
min_wal_size = 512MB
checkpoint_completion_target = 0.9
random_page_cost = 1.1
jit = off
effective_io_concurrency = 200
max_parallel_workers_per_gather = 1
max_parallel_workers = 2
max_locks_per_transaction = 256
timezone = 'UTC'
log_timezone = 'UTC'
CONF
}

start_cluster() {
  if running; then return 0; fi
  local port; port=$(choose_port)
  chown "$PG_USER" "$SOCKDIR" 2>/dev/null || true
  rm -f "$LOGFILE.prev"; [ -f "$LOGFILE" ] && mv "$LOGFILE" "$LOGFILE.prev"
  touch "$LOGFILE"; chown "$PG_USER" "$LOGFILE"
  say "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$port"
  pgctl -l "$LOGFILE" -o "-p $port" -w -t 60 start >/dev/null || { tail -20 "$LOGFILE" >&2; die "PostgreSQL did not start: see $LOGFILE"; }
}

psql_super() {
  export PGOPTIONS="-c client_min_messages=warning"
  # Superuser over the socket (peer authentication as the postgres OS user).
  as_pg "$(bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$(cat "$PORTFILE")" -U postgres "$@"
}

close_template() {
  # A template nobody connects to: TimescaleDB's background workers otherwise hold
  # connections that make CREATE DATABASE … TEMPLATE fail (timescale/timescaledb#4048).
  psql_super -d postgres -c "ALTER DATABASE $TEMPLATE_DB WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" >/dev/null
  psql_super -d postgres -tAc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                               WHERE datname = '$TEMPLATE_DB' AND pid <> pg_backend_pid()" >/dev/null
}

prepare_database() {
  # Update TimescaleDB in the database when a newer version is installed (the update must be
  # the first command of its session), then (re-)apply database.sql: idempotent, and the
  # update re-creates functions with EXECUTE for PUBLIC, which database.sql takes back.
  # Files are read by this shell, not by psql running as the postgres OS user, which may
  # not be able to enter the checkout.
  local db="$1" versions
  versions=$(psql_super -d "$db" -tAc "SELECT extversion <> (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') FROM pg_extension WHERE extname = 'timescaledb'")
  if [ "$versions" = t ]; then
    say "updating the timescaledb extension in $db"
    psql_super -d "$db" -c "ALTER EXTENSION timescaledb UPDATE" >/dev/null
  fi
  psql_super -d "$db" -v owner=ledgerline_owner -v migrator=ledgerline_migrator -v app=ledgerline_app \
    < "$ROOT/deploy/sql/database.sql" >/dev/null
}

setup_roles_and_databases() {
  # shellcheck disable=SC1090
  . "$CREDS"
  psql_super -d postgres \
    -v owner=ledgerline_owner -v migrator=ledgerline_migrator -v app=ledgerline_app \
    -v migrator_password="$LEDGERLINE_MIGRATOR_PASSWORD" -v app_password="$LEDGERLINE_APP_PASSWORD" \
    < "$ROOT/deploy/sql/roles.sql" >/dev/null
  psql_super -d postgres -c "ALTER ROLE postgres PASSWORD '$LEDGERLINE_SUPER_PASSWORD'" >/dev/null
  # Local cluster only: the test suite connects as the migration role with the
  # owner assumed, and creates its test database from the template as the owner.
  psql_super -d postgres -c "ALTER ROLE ledgerline_owner CREATEDB" >/dev/null
  local exists
  exists=$(psql_super -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$TEMPLATE_DB'")
  if [ "$exists" != 1 ]; then
    say "creating template database $TEMPLATE_DB with the timescaledb extension"
    psql_super -d postgres -c "CREATE DATABASE $TEMPLATE_DB"
  fi
  psql_super -d postgres -c "ALTER DATABASE $TEMPLATE_DB WITH ALLOW_CONNECTIONS true" >/dev/null
  prepare_database "$TEMPLATE_DB"
  close_template
  exists=$(psql_super -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")
  if [ "$exists" != 1 ]; then
    say "creating database $DB_NAME"
    local attempt
    for attempt in 1 2 3 4 5; do
      close_template
      psql_super -d postgres -c "CREATE DATABASE $DB_NAME TEMPLATE $TEMPLATE_DB OWNER ledgerline_owner" \
        >/dev/null 2>&1 && break
      [ "$attempt" = 5 ] && die "could not create $DB_NAME from $TEMPLATE_DB (see $LOGFILE)"
      sleep 1
    done
  fi
  prepare_database "$DB_NAME"
}

write_env() {
  # shellcheck disable=SC1090
  . "$CREDS"
  local port; port=$(cat "$PORTFILE")
  umask 077
  cat > "$ROOT/.data/env" <<ENV
DATABASE_URL=postgres://ledgerline_app:$LEDGERLINE_APP_PASSWORD@127.0.0.1:$port/$DB_NAME
MIGRATION_DATABASE_URL=postgres://ledgerline_migrator:$LEDGERLINE_MIGRATOR_PASSWORD@127.0.0.1:$port/$DB_NAME
SUPERUSER_DATABASE_URL=postgres://postgres:$LEDGERLINE_SUPER_PASSWORD@127.0.0.1:$port/$DB_NAME
LEDGERLINE_TEMPLATE_DB=$TEMPLATE_DB
ENV
}

move_keys_out_of_data() {
  # Earlier checkouts kept the signing key under .data/, which the postgres OS user owns:
  # it moves to .state/ (owned by whoever runs the application, mode 0700).
  if [ -d "$ROOT/.data/keys" ] && [ ! -e "$ROOT/.state/keys" ]; then
    mkdir -p -m 700 "$ROOT/.state"
    mv "$ROOT/.data/keys" "$ROOT/.state/keys"
    say "moved the signing keys from .data/keys to .state/keys"
  fi
}

cmd_start() {
  move_keys_out_of_data
  install_packages
  build_timescaledb
  init_paths
  write_credentials
  init_cluster
  start_cluster
  setup_roles_and_databases
  write_env
  say "ready: $(cat "$PORTFILE") ($PGDATA)"
}

cmd_stop() {
  init_paths
  if [ -f "$PGDATA/PG_VERSION" ] && running; then
    say "stopping PostgreSQL ($PGDATA)"
    pgctl -m fast -w stop >/dev/null
  fi
}

cmd_reset() {
  cmd_stop
  init_paths
  say "deleting $PGDATA"
  rm -rf "$PGDATA" "$SOCKDIR" "$ROOT/.data/env"
  # The new database starts a new chain: the old chain's witness journals are kept aside,
  # not left where the verifier would take the new chain for a rebuilt one.
  if [ -d "$ROOT/.state/witness" ]; then
    local aside; aside="$ROOT/.state/witness.before-reset-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$ROOT/.state/witness" "$aside"
    say "kept the old chain's witness journals in $aside"
  fi
  cmd_start
}

case "${1:-start}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  reset) cmd_reset ;;
  env) init_paths; cat "$ROOT/.data/env" ;;
  *) die "usage: $0 install|start|stop|reset|env" ;;
esac
