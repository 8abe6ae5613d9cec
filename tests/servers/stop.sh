#!/usr/bin/env bash
# Stops the test servers that tests/servers/start.sh STATE_DIR started: SIGTERM to every PID
# recorded in STATE_DIR/pids/ (plus each Dovecot instance's base_dir/master.pid: dovecot/ and
# dovecot-legacy/), wait up to 10 s, then SIGKILL.
# Tolerant of services that already stopped or never started; signals a PID only when its start
# time still matches the one recorded (never an unrelated process that reused the PID).
# Owns: STATE_DIR/pids/* (removed) and the /tmp/orbit-dovecot.* dirs STATE_DIR/dovecot/run and
# STATE_DIR/dovecot-legacy/run may point to (removed). Leaves logs, mail and certificates in place
# for post-mortems.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
STATE=$(abspath "$1")
[ -d "$STATE" ] || { log "nothing to stop: $STATE does not exist"; exit 0; }

pids=()
names=()
if [ -d "$STATE/pids" ]; then
  for f in "$STATE"/pids/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if pid=$(pid_alive "$STATE" "$name"); then
      pids+=("$pid"); names+=("$name")
    fi
  done
fi
# Dovecot's own records (both instances), in case our pid file is gone but the master is not.
rundirs=("$STATE/dovecot/run" "$STATE/dovecot-legacy/run")
for rundir in "${rundirs[@]}"; do
  if [ -f "$rundir/master.pid" ]; then
    mpid=$(cat "$rundir/master.pid" 2>/dev/null || true)
    if [ -n "$mpid" ] && running "$mpid" && [ "$(cat "/proc/$mpid/comm" 2>/dev/null)" = dovecot ] \
       && [[ " ${pids[*]:-} " != *" $mpid "* ]]; then
      pids+=("$mpid"); names+=("$(basename "$(dirname "$rundir")")-master")
    fi
  fi
done

for i in "${!pids[@]}"; do
  kill -TERM "${pids[$i]}" 2>/dev/null || true
done

alive() { # prints the PIDs still running
  local p
  for p in "$@"; do running "$p" && echo "$p"; done
  return 0
}

if [ "${#pids[@]}" -gt 0 ]; then
  for _ in $(seq 100); do            # up to 10 s
    [ -z "$(alive "${pids[@]}")" ] && break
    sleep 0.1
  done
  left=$(alive "${pids[@]}")
  if [ -n "$left" ]; then
    log "SIGKILL to PIDs that ignored SIGTERM: $(echo $left)"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.2
  fi
  log "stopped: ${names[*]}"
fi

# Dovecot's children exit on their own once the master has gone; wait for master.pid to be
# gone/stale so an immediate restart does not hit "Dovecot is already running".
for rundir in "${rundirs[@]}"; do
  if [ -f "$rundir/master.pid" ]; then
    for _ in $(seq 50); do
      mpid=$(cat "$rundir/master.pid" 2>/dev/null || true)
      [ -n "$mpid" ] && running "$mpid" && [ "$(cat "/proc/$mpid/comm" 2>/dev/null)" = dovecot ] || break
      sleep 0.1
    done
    rm -f "$rundir/master.pid"
  fi
  if [ -L "$rundir" ]; then
    target=$(readlink "$rundir")
    rm -f "$rundir"
    case "$target" in
      */orbit-dovecot.*) rm -rf -- "$target" ;;
    esac
  fi
done

rm -f "$STATE"/pids/*.pid "$STATE"/pids/*.start
rm -f "$STATE/env.sh"
exit 0
