#!/usr/bin/env bash
# Starts the real servers Orbit's integration tests run against, all on 127.0.0.1 high ports:
#   Dovecot IMAP (plain+STARTTLS, imaps) twice: the normal one and a "legacy" one without
#   CONDSTORE/QRESYNC, an aiosmtpd submission server (plain, STARTTLS, smtps),
#   Radicale CalDAV, and a black-hole TCP listener that never answers.
#
#   tests/servers/start.sh STATE_DIR      then   . STATE_DIR/env.sh
#   tests/servers/stop.sh  STATE_DIR
#
# Owns (creates/overwrites) only STATE_DIR and its contents:
#   tls/      test CA (ca.pem = ORBIT_TEST_CA, ca.key) and the localhost leaf (server.pem/.key)
#   dovecot/  generated dovecot.conf, passwd-file, maildirs, state; run/ may be a symlink to a
#             short /tmp/orbit-dovecot.* dir (UNIX socket paths are limited to 108 bytes)
#   dovecot-legacy/  the same for the legacy instance (own maildirs; uses dovecot/users)
#   smtp/     maildir/ (new/ holds one file per accepted message)
#   radicale/ config, htpasswd users, collections/
#   bin/      copies of the Python servers (readable by the service user)
#   logs/     one log per service;  pids/  NAME.pid + NAME.start (start time, guards PID reuse)
#   env.sh    the `export` lines tests source
# Ports default to the values below and can be overridden by exporting the same ORBIT_TEST_*
# variable before calling (ORBIT_TEST_CALDAV_PORT, or a http://127.0.0.1:PORT/ CALDAV_URL).
# Running as root, every server runs as `nobody` (via setpriv); otherwise as the calling user.
# If servers from an earlier start on the same STATE_DIR are still running, they are stopped
# first (so calling start.sh twice is a restart). Nothing is ever bound to a non-loopback address.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
STATE=$(abspath "$1")
[[ $STATE =~ ^[A-Za-z0-9_./+-]+$ ]] || die "STATE_DIR must not contain spaces or special characters: $STATE"

# ---- ports (overridable) --------------------------------------------------------------------
IMAP_PORT=${ORBIT_TEST_IMAP_PORT:-14143}
IMAPS_PORT=${ORBIT_TEST_IMAPS_PORT:-14993}
LEGACY_IMAP_PORT=${ORBIT_TEST_LEGACY_IMAP_PORT:-14144}      # Dovecot without CONDSTORE/QRESYNC
LEGACY_IMAPS_PORT=${ORBIT_TEST_LEGACY_IMAPS_PORT:-14994}
SMTP_PORT=${ORBIT_TEST_SMTP_PORT:-14025}
SMTP_STARTTLS_PORT=${ORBIT_TEST_SMTP_STARTTLS_PORT:-14587}
SMTPS_PORT=${ORBIT_TEST_SMTPS_PORT:-14465}
BLACKHOLE_PORT=${ORBIT_TEST_BLACKHOLE_PORT:-14999}
CALDAV_PORT=${ORBIT_TEST_CALDAV_PORT:-}
if [ -z "$CALDAV_PORT" ] && [[ ${ORBIT_TEST_CALDAV_URL:-} =~ ^http://127\.0\.0\.1:([0-9]+)/?$ ]]; then
  CALDAV_PORT=${BASH_REMATCH[1]}
fi
CALDAV_PORT=${CALDAV_PORT:-15232}
XANDIKOS_PORT=${ORBIT_TEST_XANDIKOS_PORT:-15233}        # a second CalDAV server (no auth of its own)
all_ports=("$IMAP_PORT" "$IMAPS_PORT" "$LEGACY_IMAP_PORT" "$LEGACY_IMAPS_PORT" "$SMTP_PORT"
           "$SMTP_STARTTLS_PORT" "$SMTPS_PORT" "$CALDAV_PORT" "$XANDIKOS_PORT" "$BLACKHOLE_PORT")
for p in "${all_ports[@]}"; do
  [[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 1024 ] && [ "$p" -lt 65536 ] || die "bad port: $p"
done
[ "$(printf '%s\n' "${all_ports[@]}" | sort -u | wc -l)" -eq "${#all_ports[@]}" ] \
  || die "the ORBIT_TEST_*_PORT values must all differ: ${all_ports[*]}"

# Test accounts (fixed; the tests know them through env.sh).
# mail1…mail13: one mailbox per mail-sync test, so tests running at once never share a mailbox.
# carol: the calendars of the test that reaches Radicale through another server's redirect.
USERS=(alice bob carol mail1 mail2 mail3 mail4 mail5 mail6 mail7 mail8 mail9 mail10 mail11 mail12 mail13)
declare -A PASS=([alice]=alice-secret-pw [bob]=bob-secret-pw [carol]=carol-secret-pw)
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13; do PASS[mail$n]=mail-secret-pw; done

PY=$ORBIT_SERVERS_PYTHON
[ -x "$PY" ] || die "$PY not found (Debian's python3 with python3-aiosmtpd and radicale)"
for tool in dovecot openssl curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/install-deps.sh --test"
done
"$PY" -c 'import aiosmtpd, radicale' 2>/dev/null \
  || die "$PY lacks aiosmtpd or radicale (apt: python3-aiosmtpd radicale)"

t0=$(date +%s%3N)
SVC_USER=$(svc_user)
SVC_GROUP=$(svc_group)

# ---- state dir; restart if an earlier start on it is still running --------------------------
mkdir -p "$STATE"
if [ -d "$STATE/pids" ] && compgen -G "$STATE/pids/*.pid" >/dev/null; then
  log "stopping servers still running from an earlier start on $STATE"
  "$here/stop.sh" "$STATE"
fi
for p in "${all_ports[@]}"; do
  port_open "$p" && die "127.0.0.1:$p is already in use (servers from another STATE_DIR? stop.sh it)"
done
mkdir -p "$STATE"/{logs,pids,tls,bin,dovecot,dovecot-legacy,smtp,radicale,xandikos}
rm -f "$STATE/env.sh"

# On any failure from here on, stop whatever was started and show the logs' tails.
started_ok=0
on_exit() {
  local rc=$?
  if [ "$started_ok" -ne 1 ]; then
    "$here/stop.sh" "$STATE" >/dev/null 2>&1 || true
    [ "$rc" -ne 0 ] || rc=1
  fi
  exit "$rc"
}
trap on_exit EXIT

if [ "$(id -u)" -eq 0 ]; then
  # The service user must reach files under STATE (mktemp -d makes it 0700).
  chmod a+rx "$STATE"
  as_svc test -x "$STATE/." \
    || die "$SVC_USER cannot enter $STATE (a parent directory is not world-searchable); use a state dir under /tmp"
fi

# Pre-create a service's log file owned by the service user (Dovecot re-opens its log path).
svc_log() {
  local f="$STATE/logs/$1.log"
  : > "$f"
  [ "$(id -u)" -ne 0 ] || chown "$SVC_USER:$SVC_GROUP" "$f"
  echo "$f"
}

# fail_with NAME LOGFILE MESSAGE: print the log tail and exit non-zero.
fail_with() {
  log "$1 failed to start: $3"
  if [ -f "$2" ]; then
    echo "----- last lines of $2 -----" >&2
    tail -n 30 "$2" >&2 || true
    echo "-----" >&2
  fi
  exit 1
}

# ---- TLS: a tiny CA and a localhost leaf (rustls rejects a self-signed CA as end entity) -----
TLS=$STATE/tls
make_tls() {
  cat > "$TLS/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = Orbit Test CA
[ ca_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
  local cnf=$TLS/openssl.cnf
  openssl req -config "$cnf" -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days 3650 -subj "/CN=Orbit Test CA" \
    -extensions ca_ext -set_serial "0x$(openssl rand -hex 15)" 2>/dev/null
  openssl req -config "$cnf" -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=localhost" 2>/dev/null
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
    -set_serial "0x$(openssl rand -hex 15)" -days 825 \
    -extfile "$cnf" -extensions leaf_ext -out "$TLS/server.pem" 2>/dev/null
  rm -f "$TLS/server.csr"
}
if [ -s "$TLS/ca.pem" ] && [ -s "$TLS/server.pem" ] && [ -s "$TLS/server.key" ] \
   && openssl x509 -in "$TLS/server.pem" -noout -checkend 86400 >/dev/null 2>&1 \
   && openssl verify -CAfile "$TLS/ca.pem" "$TLS/server.pem" >/dev/null 2>&1; then
  : # reuse: tests may have cached the CA path
else
  (umask 077; make_tls) || die "could not create test certificates"
fi
chmod 755 "$TLS"; chmod 644 "$TLS/ca.pem" "$TLS/server.pem"; chmod 600 "$TLS/ca.key" "$TLS/server.key"
[ "$(id -u)" -ne 0 ] || chown "$SVC_USER:$SVC_GROUP" "$TLS/server.key"

cp "$here/smtp_server.py" "$here/blackhole.py" "$STATE/bin/"
chmod 755 "$STATE/bin" "$STATE/bin/"*.py

# ---- Dovecot ---------------------------------------------------------------------------------
# Two instances share the passwd-file and the TLS cert but nothing else (own instance_name,
# base_dir, state_dir, log, maildirs):
#   dovecot/         the normal server (CONDSTORE, QRESYNC, ...)
#   dovecot-legacy/  the same server with CONDSTORE and QRESYNC left out of its CAPABILITY
DOV=$STATE/dovecot
DOV_LEGACY=$STATE/dovecot-legacy
# The post-login list the normal instance advertises (Dovecot 2.3.19), minus CONDSTORE and
# QRESYNC. SPECIAL-USE is in it because the special-use folders are configured; with an explicit
# imap_capability Dovecot appends nothing itself after login (check.sh compares both lists).
# imap-login shows this list before login too (plus STARTTLS and AUTH=...), where the normal
# instance shows a short pre-login list.
# Not advertising is all it does: Dovecot still honours ENABLE CONDSTORE/QRESYNC, SELECT
# (CONDSTORE), FETCH MODSEQ, STATUS (HIGHESTMODSEQ); once one of those touched a mailbox, its
# index tracks modseqs and every later SELECT of it reports HIGHESTMODSEQ, whoever asks.
LEGACY_IMAP_CAPABILITY="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY \
THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT \
CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN \
CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE \
LITERAL+ NOTIFY SPECIAL-USE"

# dovecot_rundir DIR: sets $rundir to the base_dir to give Dovecot for instance dir DIR.
# Long state paths would overflow sun_path (108 bytes) for base_dir/login/... sockets, so
# DIR/run may be a symlink to a short /tmp/orbit-dovecot.* dir.
dovecot_rundir() {
  local oldpid
  rundir=$1/run
  if [ -L "$rundir" ] && [ ! -d "$rundir" ]; then rm -f "$rundir"; fi
  if [ ! -e "$rundir" ]; then
    if [ "${#rundir}" -gt 60 ]; then
      ln -s "$(mktemp -d /tmp/orbit-dovecot.XXXXXX)" "$rundir"
    else
      mkdir -p "$rundir"
    fi
  fi
  # Dovecot must be given the short real path, not the path through the symlink.
  rundir=$(readlink -f "$rundir")
  # Dovecot refuses to start while base_dir/master.pid names a live process: wait for an old
  # master to go; drop the file when it is stale or the PID now belongs to something else.
  if [ -f "$rundir/master.pid" ]; then
    oldpid=$(cat "$rundir/master.pid" 2>/dev/null || true)
    for _ in $(seq 50); do
      [ -n "$oldpid" ] && running "$oldpid" && [ "$(cat "/proc/$oldpid/comm" 2>/dev/null)" = dovecot ] || break
      sleep 0.2
    done
    [ -n "$oldpid" ] && running "$oldpid" && [ "$(cat "/proc/$oldpid/comm" 2>/dev/null)" = dovecot ] \
      && die "an old Dovecot master ($oldpid) using $rundir is still running"
    rm -f "$rundir/master.pid"
  fi
  return 0
}

# write_dovecot_conf DIR INSTANCE_NAME BASE_DIR LOG IMAP_PORT IMAPS_PORT [IMAP_CAPABILITY]
# Writes DIR/dovecot.conf: maildirs under DIR/mail, state in DIR/state, users from $DOV/users.
write_dovecot_conf() {
  local dir=$1 name=$2 base=$3 logf=$4 port=$5 sport=$6 caps=${7:-}
  local capline="# imap_capability: Dovecot's default"
  [ -z "$caps" ] || capline="imap_capability = $caps"
  mkdir -p "$dir"/{mail,state}
  cat > "$dir/dovecot.conf" <<EOF
# Generated by tests/servers/start.sh -- do not edit, it is rewritten on every start.
instance_name = $name
base_dir = $base
state_dir = $dir/state
log_path = $logf
auth_verbose = yes
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$TLS/server.pem
ssl_key = <$TLS/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose; don't make them wait 2 s each time.
auth_failure_delay = 0
default_internal_user = $SVC_USER
default_internal_group = $SVC_GROUP
default_login_user = $SVC_USER
mail_uid = $SVC_USER
mail_gid = $SVC_GROUP
first_valid_uid = 0
mail_location = maildir:$dir/mail/%n/Maildir
namespace inbox {
  inbox = yes
  mailbox Drafts {
    auto = subscribe
    special_use = \\Drafts
  }
  mailbox Sent {
    auto = subscribe
    special_use = \\Sent
  }
  mailbox Trash {
    auto = subscribe
    special_use = \\Trash
  }
  mailbox Junk {
    auto = subscribe
    special_use = \\Junk
  }
  mailbox Archive {
    auto = subscribe
    special_use = \\Archive
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $DOV/users
}
userdb {
  driver = static
  args = uid=$SVC_USER gid=$SVC_GROUP home=$dir/mail/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $sport
    ssl = yes
  }
}
service anvil {
  chroot =
  # No growing per-IP penalty (2..15 s) after failed logins: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  user = $SVC_USER
}
service auth-worker {
  user = $SVC_USER
}
service stats {
  unix_listener stats-reader {
    user = $SVC_USER
  }
  unix_listener stats-writer {
    user = $SVC_USER
  }
}
# IDLE notices new mail within a second even when inotify cannot watch the mailbox (watch
# limits on a busy machine); the default fallback is 30 s.
mailbox_idle_check_interval = 1 secs
protocol imap {
  mail_max_userip_connections = 50
  imap_idle_notify_interval = 30 secs
  $capline
}
EOF
}

mkdir -p "$DOV"
: > "$DOV/users"
for u in "${USERS[@]}"; do echo "$u:{PLAIN}${PASS[$u]}" >> "$DOV/users"; done
chmod 600 "$DOV/users"

dovecot_rundir "$DOV"
dovecot_run=$rundir
dovecot_log=$(svc_log dovecot)
write_dovecot_conf "$DOV" "orbit-test-$(basename "$STATE")" "$dovecot_run" "$dovecot_log" \
  "$IMAP_PORT" "$IMAPS_PORT"

dovecot_rundir "$DOV_LEGACY"
dovecot_legacy_run=$rundir
dovecot_legacy_log=$(svc_log dovecot-legacy)
write_dovecot_conf "$DOV_LEGACY" "orbit-test-legacy-$(basename "$STATE")" "$dovecot_legacy_run" \
  "$dovecot_legacy_log" "$LEGACY_IMAP_PORT" "$LEGACY_IMAPS_PORT" "$LEGACY_IMAP_CAPABILITY"

if [ "$(id -u)" -eq 0 ]; then
  chown -R "$SVC_USER:$SVC_GROUP" "$DOV" "$dovecot_run" "$DOV_LEGACY" "$dovecot_legacy_run"
fi
spawn_svc dovecot -F -c "$DOV/dovecot.conf" >> "$dovecot_log" 2>&1 &
record_pid "$STATE" dovecot $!
spawn_svc dovecot -F -c "$DOV_LEGACY/dovecot.conf" >> "$dovecot_legacy_log" 2>&1 &
record_pid "$STATE" dovecot-legacy $!

# ---- SMTP (aiosmtpd) -------------------------------------------------------------------------
SMTP_MAILDIR=$STATE/smtp/maildir
mkdir -p "$SMTP_MAILDIR"/{tmp,new,cur}
[ "$(id -u)" -ne 0 ] || chown -R "$SVC_USER:$SVC_GROUP" "$STATE/smtp"
smtp_log=$(svc_log smtp)
spawn_svc "$PY" "$STATE/bin/smtp_server.py" --maildir "$SMTP_MAILDIR" \
  --cert "$TLS/server.pem" --key "$TLS/server.key" \
  --plain-port "$SMTP_PORT" --starttls-port "$SMTP_STARTTLS_PORT" --smtps-port "$SMTPS_PORT" \
  >> "$smtp_log" 2>&1 &
record_pid "$STATE" smtp $!

# ---- Radicale --------------------------------------------------------------------------------
RAD=$STATE/radicale
mkdir -p "$RAD/collections"
: > "$RAD/users"
for u in "${USERS[@]}"; do echo "$u:${PASS[$u]}" >> "$RAD/users"; done
cat > "$RAD/config" <<EOF
# Generated by tests/servers/start.sh -- do not edit, it is rewritten on every start.
[server]
hosts = 127.0.0.1:$CALDAV_PORT
max_connections = 32
[auth]
type = htpasswd
htpasswd_filename = $RAD/users
htpasswd_encryption = plain
# no random 0.5-1.5 s sleep after a failed login (tests do that on purpose)
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = $RAD/collections
[logging]
level = info
mask_passwords = True
EOF
chmod 600 "$RAD/users"
[ "$(id -u)" -ne 0 ] || chown -R "$SVC_USER:$SVC_GROUP" "$RAD"
radicale_log=$(svc_log radicale)
spawn_svc env HOME="$RAD" "$PY" -m radicale --config "$RAD/config" >> "$radicale_log" 2>&1 &
record_pid "$STATE" radicale $!

# ---- Xandikos: the second CalDAV server (it has no authentication; the user is fixed) ---------
XAN=$STATE/xandikos
command -v xandikos >/dev/null 2>&1 || die "xandikos not found (apt: xandikos)"
[ "$(id -u)" -ne 0 ] || chown -R "$SVC_USER:$SVC_GROUP" "$XAN"
xandikos_log=$(svc_log xandikos)
spawn_svc env HOME="$XAN" xandikos -d "$XAN/data" --defaults -l 127.0.0.1 -p "$XANDIKOS_PORT" \
  --current-user-principal /alice/ >> "$xandikos_log" 2>&1 &
record_pid "$STATE" xandikos $!

# ---- black hole ------------------------------------------------------------------------------
blackhole_log=$(svc_log blackhole)
spawn_svc "$PY" "$STATE/bin/blackhole.py" --port "$BLACKHOLE_PORT" >> "$blackhole_log" 2>&1 &
record_pid "$STATE" blackhole $!

# ---- readiness -------------------------------------------------------------------------------
ready() { # ready NAME LOG wait_ready-args...
  local name=$1 logf=$2; shift 2
  local out
  local pid
  pid=$(cat "$STATE/pids/$name.pid")
  if ! out=$("$PY" "$here/wait_ready.py" "$@" --ca "$TLS/ca.pem" --pid "$pid" --timeout 20 2>&1); then
    fail_with "$name" "$logf" "$out"
  fi
  pid_alive "$STATE" "$name" >/dev/null || fail_with "$name" "$logf" "process exited"
}
ready dovecot   "$dovecot_log"   imap "$IMAP_PORT"
ready dovecot   "$dovecot_log"   imap "$IMAPS_PORT" --tls
ready dovecot-legacy "$dovecot_legacy_log" imap "$LEGACY_IMAP_PORT"
ready dovecot-legacy "$dovecot_legacy_log" imap "$LEGACY_IMAPS_PORT" --tls
ready smtp      "$smtp_log"      smtp "$SMTP_PORT"
ready smtp      "$smtp_log"      smtp "$SMTP_STARTTLS_PORT"
ready smtp      "$smtp_log"      smtp "$SMTPS_PORT" --tls
ready radicale  "$radicale_log"  http "$CALDAV_PORT"
ready xandikos  "$xandikos_log"  http "$XANDIKOS_PORT"
ready blackhole "$blackhole_log" tcp  "$BLACKHOLE_PORT"

# The Dovecot master PID (also in base_dir/master.pid) is the process we started (setpriv execs).
CALDAV_URL="http://127.0.0.1:$CALDAV_PORT/"

# ---- seed: alice's calendar so discovery finds something ------------------------------------
mkcal_body='<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>Calendar</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>'
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -u "alice:${PASS[alice]}" \
  -X MKCALENDAR -H 'Content-Type: application/xml; charset=utf-8' \
  --data-binary "$mkcal_body" "${CALDAV_URL}alice/calendar/") || code=000
case "$code" in
  201) ;;
  405|409) # already there from an earlier start on this STATE_DIR?
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -u "alice:${PASS[alice]}" \
      -X PROPFIND -H 'Depth: 0' "${CALDAV_URL}alice/calendar/") || code=000
    [ "$code" = 207 ] || fail_with radicale "$radicale_log" "alice/calendar/ missing (PROPFIND $code)" ;;
  *) fail_with radicale "$radicale_log" "MKCALENDAR /alice/calendar/ answered $code" ;;
esac

# ---- env.sh ----------------------------------------------------------------------------------
q() { printf '%q' "$1"; }
cat > "$STATE/env.sh.tmp" <<EOF
# Generated by tests/servers/start.sh; source it: . $(q "$STATE/env.sh")
export ORBIT_TEST_STATE_DIR=$(q "$STATE")
export ORBIT_TEST_CA=$(q "$TLS/ca.pem")
export ORBIT_TEST_HOST=127.0.0.1
export ORBIT_TEST_TLS_SERVER_NAME=localhost
export ORBIT_TEST_IMAP_PORT=$IMAP_PORT
export ORBIT_TEST_IMAPS_PORT=$IMAPS_PORT
export ORBIT_TEST_LEGACY_IMAP_PORT=$LEGACY_IMAP_PORT
export ORBIT_TEST_LEGACY_IMAPS_PORT=$LEGACY_IMAPS_PORT
export ORBIT_TEST_SMTP_PORT=$SMTP_PORT
export ORBIT_TEST_SMTP_STARTTLS_PORT=$SMTP_STARTTLS_PORT
export ORBIT_TEST_SMTPS_PORT=$SMTPS_PORT
export ORBIT_TEST_CALDAV_PORT=$CALDAV_PORT
export ORBIT_TEST_CALDAV_URL=$CALDAV_URL
export ORBIT_TEST_XANDIKOS_URL=http://127.0.0.1:$XANDIKOS_PORT/
export ORBIT_TEST_BLACKHOLE_PORT=$BLACKHOLE_PORT
export ORBIT_TEST_USER=alice
export ORBIT_TEST_PASSWORD=${PASS[alice]}
export ORBIT_TEST_USER2=bob
export ORBIT_TEST_PASSWORD2=${PASS[bob]}
export ORBIT_TEST_SMTP_MAILDIR=$(q "$SMTP_MAILDIR")
EOF
mv "$STATE/env.sh.tmp" "$STATE/env.sh"

started_ok=1
ms=$(( $(date +%s%3N) - t0 ))
log "all servers up in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s; env: . $STATE/env.sh"
