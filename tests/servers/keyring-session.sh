#!/usr/bin/env bash
# Runs a command with a private, unlocked Secret Service (gnome-keyring) for keyring tests:
#
#   dbus-run-session -- tests/servers/keyring-session.sh CMD [ARGS...]
#
# (Started without a session bus it re-executes itself under dbus-run-session.) It
#   * makes a fresh temp dir (mode 700) with run/ -> XDG_RUNTIME_DIR and data/ -> XDG_DATA_HOME,
#     so the keyrings land in data/keyrings/, never under $HOME. HOME itself is left unchanged
#     (cargo, rustup and npm keep finding ~/.cargo etc.); gnome-keyring 42 honours XDG_DATA_HOME;
#   * starts gnome-keyring-daemon --unlock --components=secrets with the password on stdin
#     ($ORBIT_TEST_KEYRING_PASSWORD, default orbit-test-keyring-pw), which creates and unlocks
#     login.keyring, and evals what it prints;
#   * checks the Secret Service with secret-tool store/lookup/clear;
#   * exports XDG_RUNTIME_DIR, XDG_DATA_HOME, ORBIT_TEST_KEYRING_DIR and execs CMD.
# Owns only that temp dir (${TMPDIR:-/tmp}/orbit-keyring.*). The daemon ends with the D-Bus
# session; a small detached watcher removes the temp dir once CMD and the daemon have exited.
# Refuses to run on a bus where a Secret Service is already registered (a real desktop keyring).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: dbus-run-session -- $0 CMD [ARGS...]" >&2
  exit 2
fi

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  command -v dbus-run-session >/dev/null || { echo "keyring-session: dbus-run-session not found" >&2; exit 1; }
  exec dbus-run-session -- "$0" "$@"
fi

for tool in gnome-keyring-daemon secret-tool dbus-send; do
  command -v "$tool" >/dev/null 2>&1 \
    || { echo "keyring-session: $tool not found (apt: gnome-keyring libsecret-tools dbus)" >&2; exit 1; }
done

# Never touch a user's real keyring: the bus must not have a Secret Service already.
if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
     org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
   | grep -q 'boolean true'; then
  echo "keyring-session: a Secret Service already owns this session bus; run me under dbus-run-session --" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/orbit-keyring.XXXXXX")
chmod 700 "$dir"
mkdir -m 700 "$dir/run" "$dir/data"
export XDG_RUNTIME_DIR=$dir/run
export XDG_DATA_HOME=$dir/data
export ORBIT_TEST_KEYRING_DIR=$dir

fail() {
  echo "keyring-session: $*" >&2
  [ -s "$dir/gnome-keyring.log" ] && sed 's/^/  gnome-keyring: /' "$dir/gnome-keyring.log" >&2
  rm -rf -- "$dir"
  exit 1
}

# The daemon forks into the background; it prints env assignments (nothing with only the
# secrets component in 42.x, GNOME_KEYRING_CONTROL=... in other versions) and keeps none of
# our pipes open.
out=$(printf '%s' "${ORBIT_TEST_KEYRING_PASSWORD:-orbit-test-keyring-pw}" \
      | gnome-keyring-daemon --unlock --components=secrets 2>>"$dir/gnome-keyring.log") \
  || fail "gnome-keyring-daemon --unlock failed"
while IFS= read -r line; do
  case "$line" in
    [A-Z_]*=*) export "$line" ;;
  esac
done <<< "$out"

# Round-trip a throwaway secret to prove the Secret Service answers and the keyring is unlocked.
# The daemon creates the login collection just after it forks; a store that comes too early
# finds no collection (and asks for a prompter), so give it a few tries.
probe="keyring-session-probe-$$"
stored=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if printf '%s' "$probe" | secret-tool store --label='orbit keyring-session probe' \
      orbit-keyring-session probe user "$probe" 2>>"$dir/gnome-keyring.log"; then
    stored=1
    break
  fi
  sleep 0.3
done
[ "$stored" = 1 ] || fail "secret-tool store failed"
got=$(secret-tool lookup orbit-keyring-session probe user "$probe" 2>>"$dir/gnome-keyring.log") \
  || fail "secret-tool lookup failed"
[ "$got" = "$probe" ] || fail "secret-tool lookup returned '$got'"
secret-tool clear orbit-keyring-session probe user "$probe" 2>/dev/null || true
[ -e "$XDG_DATA_HOME/keyrings" ] || fail "keyrings did not land in \$XDG_DATA_HOME/keyrings"

# Detached cleanup: once this PID (which becomes CMD via exec) has exited and the session bus
# is gone (dbus-run-session tears it down, and the daemon exits with it), remove the temp dir.
# It holds none of the caller's file descriptors, so `$(...)` around us does not hang.
main=$$
(
  is_running() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [ "${s%% *}" != Z ]; }
  while is_running "$main"; do sleep 0.5; done
  while dbus-send --session --dest=org.freedesktop.DBus /org/freedesktop/DBus \
          org.freedesktop.DBus.GetId >/dev/null 2>&1; do
    sleep 0.5
  done
  sleep 0.5
  rm -rf -- "$dir"
) </dev/null >/dev/null 2>&1 &
disown

exec "$@"
