# shellcheck shell=bash
# Shared helpers for tests/servers/{start,stop,check}.sh. Sourced, not executed.
# Owns nothing on disk by itself; every path it touches lives under the state dir passed in.

# Python with Debian's modules (aiosmtpd, radicale). A pyenv/venv python3 on PATH lacks them.
ORBIT_SERVERS_PYTHON=${ORBIT_SERVERS_PYTHON:-/usr/bin/python3}

log() { printf 'servers: %s\n' "$*" >&2; }
die() { printf 'servers: error: %s\n' "$*" >&2; exit 1; }

# Absolute path without requiring it to exist (realpath -m is GNU coreutils).
abspath() { realpath -m -- "$1"; }

# The account the servers run as: `nobody` when we are root (rootless services, high ports),
# otherwise the invoking user itself.
svc_user() {
  if [ "$(id -u)" -eq 0 ]; then echo nobody; else id -un; fi
}
svc_group() { id -gn "$(svc_user)"; }

# Run a command as the service user. setpriv execs in place (unlike runuser, which forks,
# stays the parent and does not pass SIGTERM on to the server), so the server keeps the PID.
as_svc() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid="$(svc_user)" --regid="$(svc_group)" --clear-groups -- "$@"
  else
    "$@"
  fi
}
# Same, but replaces the current (sub)shell: use as `spawn_svc CMD... &` so `$!` is the
# server's own PID, not that of a bash subshell waiting for it.
spawn_svc() {
  if [ "$(id -u)" -eq 0 ]; then
    exec setpriv --reuid="$(svc_user)" --regid="$(svc_group)" --clear-groups -- "$@"
  else
    exec "$@"
  fi
}

# Process start time (clock ticks since boot, field 22 of /proc/PID/stat): recorded next to the
# PID so stop.sh never signals an unrelated process that reused the PID.
proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }               # drop "pid (comm) ", comm may contain spaces
  # shellcheck disable=SC2086
  set -- $stat                    # now $1 is field 3 (state)
  echo "${20}"                    # field 22
}

# running PID -> 0 when the process exists and is not a zombie. (A zombie still answers
# kill -0; on this kind of machine PID 1 reaps orphans only every couple of seconds.)
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# record_pid STATE NAME PID
record_pid() {
  local st=$1 name=$2 pid=$3
  echo "$pid" > "$st/pids/$name.pid"
  proc_starttime "$pid" > "$st/pids/$name.start" 2>/dev/null || true
}

# pid_alive STATE NAME -> prints the PID and returns 0 when the recorded process still runs.
pid_alive() {
  local st=$1 name=$2 pid start now
  [ -f "$st/pids/$name.pid" ] || return 1
  pid=$(cat "$st/pids/$name.pid")
  [ -n "$pid" ] && running "$pid" || return 1
  if [ -f "$st/pids/$name.start" ]; then
    start=$(cat "$st/pids/$name.start")
    now=$(proc_starttime "$pid") || return 1
    [ -z "$start" ] || [ "$start" = "$now" ] || return 1
  fi
  echo "$pid"
}

# port_open PORT -> 0 when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
