#!/usr/bin/env bash
# Self-test of the test-server scripts in tests/servers/ (owns nothing outside a mktemp dir):
# start.sh into a fresh temp state dir, exercise every server with real clients
# (check_clients.py: imaplib, smtplib, http.client, raw socket; openssl s_client; curl),
# run keyring-session.sh under dbus-run-session, then stop.sh and verify every port is closed
# and every server process is gone. Exit status 0 only if all checks pass.
#
#   tests/servers/check.sh            (KEEP=1 keeps the temp state dir for inspection)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
PY=$ORBIT_SERVERS_PYTHON

STATE=$(mktemp -d "${TMPDIR:-/tmp}/orbit-servers-check.XXXXXX")
cleanup() {
  local rc=$?
  "$here/stop.sh" "$STATE" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    echo "state dir kept: $STATE" >&2
  else
    rm -rf -- "$STATE"
  fi
  exit "$rc"
}
trap cleanup EXIT

ok()   { printf '  ok   %s\n' "$*"; }
fail() { printf '  FAIL %s\n' "$*"; exit 1; }

echo "start.sh $STATE"
t0=$(date +%s%3N)
"$here/start.sh" "$STATE"
echo "  start.sh took $(( $(date +%s%3N) - t0 )) ms"
# shellcheck disable=SC1091
. "$STATE/env.sh"
for v in ORBIT_TEST_STATE_DIR ORBIT_TEST_CA ORBIT_TEST_IMAP_PORT ORBIT_TEST_IMAPS_PORT \
         ORBIT_TEST_LEGACY_IMAP_PORT ORBIT_TEST_LEGACY_IMAPS_PORT \
         ORBIT_TEST_SMTP_PORT ORBIT_TEST_SMTP_STARTTLS_PORT ORBIT_TEST_SMTPS_PORT \
         ORBIT_TEST_CALDAV_URL ORBIT_TEST_BLACKHOLE_PORT ORBIT_TEST_USER ORBIT_TEST_PASSWORD \
         ORBIT_TEST_SMTP_MAILDIR; do
  [ -n "${!v:-}" ] || fail "env.sh lacks $v"
done
ok "env.sh exports the whole contract"

echo "TLS (openssl)"
openssl verify -CAfile "$ORBIT_TEST_CA" "$STATE/tls/server.pem" >/dev/null || fail "leaf does not verify"
openssl x509 -in "$ORBIT_TEST_CA" -noout -text | grep -q 'CA:TRUE' || fail "CA lacks CA:TRUE"
leaf=$(openssl x509 -in "$STATE/tls/server.pem" -noout -text)
grep -q 'CA:FALSE' <<<"$leaf" && grep -q 'DNS:localhost, IP Address:127.0.0.1' <<<"$leaf" \
  && grep -q 'TLS Web Server Authentication' <<<"$leaf" || fail "leaf extensions wrong"
ok "CA (CA:TRUE) and leaf (CA:FALSE, SAN localhost+127.0.0.1, serverAuth)"
s_client() { # s_client PORT [extra args] <<< input ; prints the transcript
  local port=$1; shift
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile "$ORBIT_TEST_CA" \
    -verify_return_error -verify_hostname localhost -servername localhost -ign_eof "$@" 2>&1
}
out=$(printf 'a LOGIN %s %s\r\nb LOGOUT\r\n' "$ORBIT_TEST_USER" "$ORBIT_TEST_PASSWORD" \
      | s_client "$ORBIT_TEST_IMAPS_PORT" -quiet) || true
grep -q '^a OK' <<<"$out" || { echo "$out"; fail "imaps via s_client"; }
ok "imaps: s_client verifies (hostname localhost) and LOGIN works"
out=$(printf 'a LOGIN %s %s\r\nb LOGOUT\r\n' "$ORBIT_TEST_USER" "$ORBIT_TEST_PASSWORD" \
      | s_client "$ORBIT_TEST_IMAP_PORT" -starttls imap -quiet) || true
grep -q '^a OK' <<<"$out" || { echo "$out"; fail "imap STARTTLS via s_client"; }
ok "imap STARTTLS: s_client verifies and LOGIN works"
# The legacy Dovecot: TLS both ways, and its CAPABILITY after LOGIN lacks CONDSTORE/QRESYNC.
out=$(printf 'a LOGIN %s %s\r\nb CAPABILITY\r\nc LOGOUT\r\n' "$ORBIT_TEST_USER" "$ORBIT_TEST_PASSWORD" \
      | s_client "$ORBIT_TEST_LEGACY_IMAPS_PORT" -quiet) || true
grep -q '^a OK' <<<"$out" || { echo "$out"; fail "legacy imaps via s_client"; }
caps=$(grep '^\* CAPABILITY ' <<<"$out" | tr -d '\r')
[ -n "$caps" ] && ! grep -qwE 'CONDSTORE|QRESYNC' <<<"$caps" \
  && grep -qw IDLE <<<"$caps" && grep -qw UIDPLUS <<<"$caps" && grep -qw MOVE <<<"$caps" \
  || { echo "$out"; fail "legacy imaps: CAPABILITY after LOGIN"; }
ok "legacy imaps: s_client verifies, LOGIN works, CAPABILITY has IDLE UIDPLUS MOVE, no CONDSTORE/QRESYNC"
out=$(printf 'a LOGIN %s %s\r\nb LOGOUT\r\n' "$ORBIT_TEST_USER" "$ORBIT_TEST_PASSWORD" \
      | s_client "$ORBIT_TEST_LEGACY_IMAP_PORT" -starttls imap -quiet) || true
grep -q '^a OK' <<<"$out" || { echo "$out"; fail "legacy imap STARTTLS via s_client"; }
ok "legacy imap STARTTLS: s_client verifies and LOGIN works"
for spec in "$ORBIT_TEST_SMTPS_PORT:" "$ORBIT_TEST_SMTP_STARTTLS_PORT:-starttls smtp"; do
  port=${spec%%:*}; extra=${spec#*:}
  # shellcheck disable=SC2086
  out=$(printf 'QUIT\r\n' | s_client "$port" $extra -brief) || true
  grep -q 'Verification: OK' <<<"$out" || { echo "$out"; fail "smtp TLS on $port via s_client"; }
  ok "smtp $port${extra:+ ($extra)}: s_client verifies the chain"
done

"$PY" "$here/check_clients.py"

echo "CalDAV (curl)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$ORBIT_TEST_CALDAV_URL")
[ "$code" = 401 ] || fail "PROPFIND without auth: $code"
ok "curl PROPFIND without auth -> 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$ORBIT_TEST_USER:$ORBIT_TEST_PASSWORD" \
       -X PROPFIND -H 'Depth: 1' "${ORBIT_TEST_CALDAV_URL}$ORBIT_TEST_USER/")
[ "$code" = 207 ] || fail "PROPFIND with auth: $code"
ok "curl PROPFIND with auth -> 207"

echo "Secret Service (keyring-session.sh)"
kout=$(dbus-run-session -- "$here/keyring-session.sh" bash -c '
  set -e
  printf "%s" "orbit-check-secret" | secret-tool store --label="orbit check" service orbit-check user alice
  echo "secret=$(secret-tool lookup service orbit-check user alice)"
  echo "home=$HOME"
  echo "data=$XDG_DATA_HOME"
  ls "$XDG_DATA_HOME/keyrings"
' 2>/dev/null) || fail "keyring-session.sh failed"
grep -qx 'secret=orbit-check-secret' <<<"$kout" || { echo "$kout"; fail "secret round trip"; }
ok "store/lookup inside dbus-run-session -- keyring-session.sh"
grep -qx "home=$HOME" <<<"$kout" || fail "HOME changed inside keyring-session.sh"
kdata=$(sed -n 's/^data=//p' <<<"$kout")
case "$kdata" in "$HOME"*|"") fail "XDG_DATA_HOME not in a temp dir: $kdata" ;; esac
grep -qx 'login.keyring' <<<"$kout" || fail "login.keyring not under XDG_DATA_HOME"
ok "HOME unchanged; keyrings in temp XDG_DATA_HOME ($kdata)"

echo "stop.sh"
pids=$(cat "$STATE"/pids/*.pid)
t0=$(date +%s%3N)
"$here/stop.sh" "$STATE"
echo "  stop.sh took $(( $(date +%s%3N) - t0 )) ms"
for p in $pids; do running "$p" && fail "PID $p still running"; done
ok "all server processes gone"
# Dovecot's children carry the instance name (orbit-test-<state dir name>, and
# orbit-test-legacy-<state dir name> for the legacy one) in their titles.
# (grep's own command line matches too: collect first, re-check once grep has exited.)
leftovers() {
  local files f p b
  b=$(basename "$STATE")
  files=$(grep -lsaF -e "$STATE" -e "orbit-test-$b/" -e "orbit-test-legacy-$b/" /proc/[0-9]*/cmdline || true)
  for f in $files; do
    p=${f#/proc/}; p=${p%/cmdline}
    running "$p" && grep -qsaF -e "$STATE" -e "orbit-test-$b/" -e "orbit-test-legacy-$b/" "$f" && echo "$p"
  done
  return 0
}
for _ in $(seq 30); do left=$(leftovers); [ -z "$left" ] && break; sleep 0.1; done
# shellcheck disable=SC2086
[ -z "$left" ] || { ps -o pid,user,args -p $left; fail "processes left over"; }
ok "no process of this state dir is left (Dovecot children included)"
closed=1
for port in "$ORBIT_TEST_IMAP_PORT" "$ORBIT_TEST_IMAPS_PORT" "$ORBIT_TEST_LEGACY_IMAP_PORT" \
            "$ORBIT_TEST_LEGACY_IMAPS_PORT" "$ORBIT_TEST_SMTP_PORT" \
            "$ORBIT_TEST_SMTP_STARTTLS_PORT" "$ORBIT_TEST_SMTPS_PORT" "$ORBIT_TEST_CALDAV_PORT" \
            "$ORBIT_TEST_BLACKHOLE_PORT"; do
  if port_open "$port"; then echo "  port $port still open"; closed=0; fi
done
[ "$closed" = 1 ] || fail "ports still open after stop.sh"
ok "all ports closed"
"$here/stop.sh" "$STATE" >/dev/null || fail "second stop.sh not tolerant"
ok "stop.sh again is a no-op"
echo "ALL CHECKS PASSED"
