#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (scripts/test.sh starts and stops it).
#   scripts/postgres-cluster.sh start   initdb a fresh cluster and start it (or keep the running one)
#   scripts/postgres-cluster.sh url     print its postgresql:// URL (a role with CREATEDB)
#   scripts/postgres-cluster.sh stop    stop it and delete its directory
#   scripts/postgres-cluster.sh halt    stop the server but keep its data (a database outage)
#   scripts/postgres-cluster.sh resume  start a halted server again, on the same port
#
# The cluster listens on 127.0.0.1 only, on the first free port from 25433, with its unix socket
# in its own directory (mktemp under /tmp, mode 700) and fsync off: its data is worth nothing
# after the tests. Clients log in over TCP with scram-sha-256 as the role `cipette_test`
# (CREATEDB, a password generated at each start). The server never runs as root: as root the
# script runs it as the `postgres` system user (or a `cipette-test` system user it creates),
# otherwise as the calling user.
#
# State (the directory's path, the port and the URL; mode 600) is kept in build/postgres-test/,
# or in $CIPETTE_PG_STATE_DIR. Every command is idempotent, and `start` replaces a cluster left
# behind by a killed run.
set -euo pipefail
cd "$(dirname "$0")/.."

state_dir="${CIPETTE_PG_STATE_DIR:-$PWD/build/postgres-test}"
# Below Linux's ephemeral ports (32768-60999 by default): while a cluster is halted, a client
# socket of another test could otherwise be given its port and keep `resume` from binding it.
first_port=25433
last_port=25532
role=cipette_test
database=cipette_test

log() { echo "postgres-cluster: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The directory of initdb and pg_ctl: pg_config's, else the newest installed major version.
find_bindir() {
  local dir=""
  command -v pg_config >/dev/null && dir="$(pg_config --bindir)"
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V |
      tail -n 1)"
  fi
  [[ -n "$dir" && -x "$dir/initdb" ]] ||
    die "no PostgreSQL server (initdb) found; run scripts/setup.sh --test"
  echo "$dir"
}

# The system user that owns and runs the cluster.
server_user() {
  if [[ "$(id -u)" != 0 ]]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    id cipette-test >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin cipette-test
    echo cipette-test
  fi
}

# Runs a command as `user` (the first argument), from / (readable whatever the caller's
# directory is), without the lock's descriptor: a server holding it would block every later
# command.
as_server() {
  local user="$1"
  shift
  if [[ "$(id -u)" == 0 ]]; then
    (cd / && runuser -u "$user" -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

read_state() { [[ -f "$state_dir/$1" ]] && cat "$state_dir/$1"; }

# True when the recorded cluster runs and accepts connections.
cluster_running() {
  local dir port bindir user
  dir="$(read_state dir)" || return 1
  port="$(read_state port)" || return 1
  [[ -d "$dir/data" ]] || return 1
  bindir="$(find_bindir)" || return 1
  user="$(stat -c %U "$dir")"
  as_server "$user" "$bindir/pg_ctl" status -D "$dir/data" >/dev/null 2>&1 &&
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5
}

# Stops the recorded cluster (politely, then not) and deletes its directory and state.
remove_cluster() {
  local dir bindir user pid
  if dir="$(read_state dir)" && [[ -d "$dir" ]]; then
    user="$(stat -c %U "$dir")"
    if bindir="$(find_bindir)" &&
      as_server "$user" "$bindir/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
      as_server "$user" "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null 2>&1 ||
        as_server "$user" "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 \
          >/dev/null 2>&1 || true
    fi
    # A postmaster that outlived both (or whose pg_ctl is gone) must not outlive its directory.
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      pid="$(head -n 1 "$dir/data/postmaster.pid")"
      if [[ "$pid" =~ ^[0-9]+$ && "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir/data" ]]; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -rf -- "$dir"
    log "stopped the cluster and deleted $dir"
  fi
  rm -f -- "$state_dir/dir" "$state_dir/port" "$state_dir/url"
}

# initdb into `dir`/data as `user`, who owns `dir`. The superuser (named like `user`) logs in
# only over the unix socket, by peer authentication; TCP clients need a scram-sha-256 password.
init_cluster() {
  local bindir="$1" user="$2" dir="$3"
  as_server "$user" "$bindir/initdb" -D "$dir/data" -U "$user" --auth-local=peer \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  cat >>"$dir/data/postgresql.conf" <<EOF
# scripts/postgres-cluster.sh: a throwaway cluster for the tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

# Starts the cluster on the first free port, trying the next one when another process took it
# in between; prints the port.
start_server() {
  local bindir="$1" user="$2" dir="$3" port
  for ((port = first_port; port <= last_port; port++)); do
    port_in_use "$port" && continue
    if as_server "$user" "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" \
      -o "-p $port" -w -t 60 >/dev/null 2>&1; then
      echo "$port"
      return
    fi
  done
  tail -n 20 "$dir/server.log" >&2 || true
  die "could not start PostgreSQL on any port in $first_port..$last_port"
}

create_role() {
  local bindir="$1" user="$2" dir="$3" port="$4" password="$5"
  as_server "$user" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$user" \
    -d postgres >/dev/null <<EOF
CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $database OWNER $role;
EOF
}

cmd_start() {
  if cluster_running; then
    log "already running on 127.0.0.1:$(read_state port) ($(read_state dir))"
    return
  fi
  remove_cluster # whatever a killed run left behind
  local bindir user password dir port
  bindir="$(find_bindir)"
  user="$(server_user)"
  password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  dir="$(mktemp -d /tmp/cipette-pg-test.XXXXXX)"
  # Recorded first, so that `stop` (or the next `start`) removes a half-made cluster too.
  echo "$dir" >"$state_dir/dir"
  [[ "$(id -u)" != 0 ]] || chown "$user:" "$dir"
  init_cluster "$bindir" "$user" "$dir"
  port="$(start_server "$bindir" "$user" "$dir")"
  create_role "$bindir" "$user" "$dir" "$port" "$password"
  (
    umask 077
    echo "$port" >"$state_dir/port"
    echo "postgresql://$role:$password@127.0.0.1:$port/$database" >"$state_dir/url"
  )
  log "started PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') as $user" \
    "on 127.0.0.1:$port ($dir)"
}

cmd_halt() {
  local dir bindir user
  dir="$(read_state dir)" || die "no cluster; run scripts/postgres-cluster.sh start"
  bindir="$(find_bindir)"
  user="$(stat -c %U "$dir")"
  as_server "$user" "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null
  log "halted the server ($dir kept)"
}

cmd_resume() {
  local dir port bindir user
  dir="$(read_state dir)" || die "no cluster; run scripts/postgres-cluster.sh start"
  port="$(read_state port)"
  bindir="$(find_bindir)"
  user="$(stat -c %U "$dir")"
  as_server "$user" "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" \
    -o "-p $port" -w -t 60 >/dev/null || die "could not start the server again on port $port"
  log "resumed the server on 127.0.0.1:$port"
}

cmd_url() {
  cluster_running || die "no cluster is running; run scripts/postgres-cluster.sh start"
  read_state url
}

main() {
  local command="${1:-}"
  case "$command" in
    start | stop | url | halt | resume) ;;
    *)
      echo "usage: scripts/postgres-cluster.sh start|stop|url|halt|resume" >&2
      exit 2
      ;;
  esac
  mkdir -p "$state_dir"
  # One command at a time per state directory (say, two test runs starting together).
  exec 9>"$state_dir/lock"
  flock 9
  case "$command" in
    start) cmd_start ;;
    stop) remove_cluster ;;
    url) cmd_url ;;
    halt) cmd_halt ;;
    resume) cmd_resume ;;
  esac
}

main "$@"
