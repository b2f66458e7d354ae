#!/usr/bin/env bash
# Starts or stops a private PostgreSQL server whose files all live in DIR (data directory, log, socket).
# It listens on a Unix socket in DIR only (no TCP) and trusts local connections: for trying
# pg-forget.sh and for tests, not for production. As root, the server runs as the postgres user.
#
#   eval "$(private-server.sh start DIR)"     # prints PGHOST, PGPORT, PGUSER and PGDATABASE exports
#   private-server.sh stop DIR
#
# PGPORT (default: a random one above 20000) only names the socket.
set -euo pipefail
usage() { echo "usage: private-server.sh start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
step=$1
dir=$(cd "$2" 2>/dev/null && pwd) || { echo "private-server.sh: $2: no such directory" >&2; exit 66; }
pg=$dir/pg

# The server's programs: the newest installed version (Debian keeps them off PATH).
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || bindir=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /)")
if [ ! -x "$bindir/pg_ctl" ] || [ ! -x "$bindir/initdb" ]; then
    echo "private-server.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 69
fi
# initdb and the server refuse to run as root.
as_owner() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi; }

case $step in
stop)
    [ -f "$pg/data/postmaster.pid" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null ;;
start)
    mkdir -p "$pg"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg"
    port=${PGPORT:-$((20000 + RANDOM % 20000))}
    [ -f "$pg/data/PG_VERSION" ] || as_owner "$bindir/initdb" -D "$pg/data" --auth=trust --username=postgres --encoding=UTF8 --locale=C \
        >"$pg/initdb.log" 2>&1 || { echo "private-server.sh: initdb failed:" >&2; tail -n 15 "$pg/initdb.log" >&2; exit 69; }
    as_owner "$bindir/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k '$pg' -p $port" start >/dev/null \
        || { echo "private-server.sh: the server did not start:" >&2; tail -n 15 "$pg/server.log" >&2; exit 69; }
    printf 'export PGHOST=%q PGPORT=%q PGUSER=postgres PGDATABASE=postgres\n' "$pg" "$port" ;;
*) usage ;;
esac
