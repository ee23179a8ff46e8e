#!/usr/bin/env bash
# A throwaway PostgreSQL primary and hot standby on loopback, for measuring
# the site with read replicas (docs/performance.md, "Load test with a
# replica"). The test suite builds its own (tests/replica_cluster).
#
#   devtools/replica_pair.sh start DIR [PRIMARY_PORT] [REPLICA_PORT]   (default 55442 55443)
#   devtools/replica_pair.sh stop DIR
#
# Uses the server binaries of Debian's postgresql package; as root, the
# servers run as the `postgres` user. Durability is off (fsync, full-page
# writes): this is for benchmarks, never for data anyone keeps.
set -euo pipefail

command=${1:?usage: $0 start|stop DIR [PRIMARY_PORT] [REPLICA_PORT]}
dir=${2:?usage: $0 start|stop DIR [PRIMARY_PORT] [REPLICA_PORT]}
primary_port=${3:-55442}
replica_port=${4:-55443}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    exit 1
fi

as_server() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

options() {
    echo "-p $1 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" \
        "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c jit=off"
}

case "$command" in
start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_server "$bin/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    as_server "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -o "$(options "$primary_port")" -w start >/dev/null
    as_server "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
        -D "$dir/replica" -R -X stream --no-sync
    as_server "$bin/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -o "$(options "$replica_port")" -w start >/dev/null
    echo "primary: postgresql://postgres@127.0.0.1:$primary_port/postgres"
    echo "replica: postgresql://postgres@127.0.0.1:$replica_port/postgres (hot standby)"
    ;;
stop)
    for which in replica primary; do
        if [[ -d "$dir/$which" ]]; then
            as_server "$bin/pg_ctl" -D "$dir/$which" -m fast -w stop >/dev/null || true
        fi
    done
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR [PRIMARY_PORT] [REPLICA_PORT]" >&2
    exit 2
    ;;
esac
