#!/bin/sh
# Least privilege end to end: hallpassd after start runs as another user with CAP_NET_ADMIN|CAP_NET_RAW, no_new_privs and seccomp, still filters and reloads, dies clearly on a forbidden call; names from traffic reach no log or row raw; prints TAP.
# Its own topology prefix (hpp-) and queue (7) keep it apart from the other namespace tests.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${HALLPASS_BUILD:-build/test}
HALLPASS=${HALLPASS:-$top/$build/hallpass}
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
T=$here/topo.sh
export TOPO_PREFIX="${TOPO_PREFIX:-hpp-}"
. "$here/topo.env"
export TOPO_DIR
. "$here/tap.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
work=$(mktemp -d /tmp/hallpass-priv.XXXXXX)
cfg=$work/etc
dpid=
# nobody exists on every Debian: the test needs no user of its own.
RUNAS=nobody
cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null
	ip netns exec "${TOPO_PREFIX}gateway" "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
	"$T" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! [ -x "$HALLPASSD" ] || ! id "$RUNAS" >/dev/null 2>&1; then
	skip "hallpassd least privilege" "needs root, $HALLPASSD and user $RUNAS"
	tap_end
	exit 0
fi

# --- configuration files: not world-writable, or nothing loads ---
mkdir -p "$cfg/rules.d" "$work/db"
# What an install does: the configuration readable, the database's folder the daemon's.
chmod 0755 "$work"
chown "$RUNAS" "$work/db"
chmod 0750 "$work/db"
printf 'category: gambling\ndescription: test\ndomains: [bet365.com]\n' >"$cfg/rules.d/gambling.yaml"
printf 'category: games\ndescription: test\ndomains: [minecraft.net]\n' >"$cfg/rules.d/games.yaml"
cp "$top/rules/aup.yaml" "$top/rules/safesearch.yaml" "$cfg/"
write_policy() { # $1: the default group's block list
	printf 'timezone: UTC\ndefault_group: standard\ngroups:\n  standard:\n    block: [%s]\n' "$1" >"$cfg/policy.yaml"
}
write_policy gambling
write_conf() { # $1: fail mode, $2: user
	printf 'queues: [7]\nfail: %s\ndatabase: %s\nuser: %s\n' "$1" "$work/db/hallpass.db" "$2" >"$cfg/hallpass.yaml"
}
write_conf open "$RUNAS"
chmod 0644 "$cfg"/*.yaml "$cfg"/rules.d/*.yaml
check "the test configuration is valid" "$HALLPASS" -c "$cfg" rules check
chmod o+w "$cfg/rules.d/games.yaml"
out=$("$HALLPASS" -c "$cfg" rules check 2>&1)
contains "a world-writable rules file is refused at load, saying why" \
	"$cfg/rules.d/games.yaml: writable by every user (mode 0646)" echo "$out"
chmod o-w "$cfg/rules.d/games.yaml"
chmod o+w "$cfg"
contains "... and so is a world-writable configuration folder" "$cfg: writable by every user" \
	"$HALLPASS" -c "$cfg" rules check
chmod o-w "$cfg"

if ! "$T" up >"$work/topo.log" 2>&1; then
	nok "topology up" "$(tail -5 "$work/topo.log")"
	tap_end
	exit 1
fi
. "$TOPO_DIR/topo.env"
gw() { ip netns exec "$NS_GATEWAY" "$@"; }
dig1() { ip netns exec "$NS_STUDENT" dig +tries=1 +time=2 "$@"; }
status_of() { dig1 "@$DNS_IP4" "$1" A | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
check "firewall up in the gateway" gw "$HALLPASS" -c "$cfg" firewall up

start() { # log file; the daemon's pid in $dpid
	HALLPASSD_TEST_FORBIDDEN_SYSCALL=1 ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$1" 2>&1 &
	dpid=$!
	i=0
	while ! grep -q "filtering on\|not starting" "$1" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# --- a user that does not exist: a clear refusal, not a root daemon ---
write_conf open hpp-no-such-user
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/nouser.log" 2>&1
expect "an absent user: hallpassd refuses to start (exit 1)" 1 echo $?
contains "... saying what to do" 'user "hpp-no-such-user" does not exist: create it' cat "$work/nouser.log"

# --- the drop ---
write_conf open "$RUNAS"
start "$work/d1.log"
check "hallpassd starts as root and says whom it runs as" grep -q "running as $RUNAS" "$work/d1.log"
st=/proc/$dpid/status
uid=$(id -u "$RUNAS")
expect "Uid: real, effective, saved and fs are $RUNAS's ($uid)" "$uid $uid $uid $uid" \
	sh -c 'awk "/^Uid:/ {print \$2, \$3, \$4, \$5}" "$1"' - "$st"
expect "Gid: $RUNAS's group" "$(id -g "$RUNAS")" sh -c 'awk "/^Gid:/ {print \$3}" "$1"' - "$st"
# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13.
expect "CapEff is exactly NET_ADMIN|NET_RAW" 0000000000003000 sh -c 'awk "/^CapEff:/ {print \$2}" "$1"' - "$st"
expect "CapPrm is exactly NET_ADMIN|NET_RAW" 0000000000003000 sh -c 'awk "/^CapPrm:/ {print \$2}" "$1"' - "$st"
expect "CapBnd is exactly NET_ADMIN|NET_RAW" 0000000000003000 sh -c 'awk "/^CapBnd:/ {print \$2}" "$1"' - "$st"
expect "CapInh and CapAmb are empty" "0000000000000000 0000000000000000" \
	sh -c 'awk "/^CapInh:/ {i=\$2} /^CapAmb:/ {a=\$2} END {print i, a}" "$1"' - "$st"
expect "NoNewPrivs: 1" 1 sh -c 'awk "/^NoNewPrivs:/ {print \$2}" "$1"' - "$st"
expect "Seccomp: 2 (filter)" 2 sh -c 'awk "/^Seccomp:/ {print \$2}" "$1"' - "$st"
expect "every thread (the activity writer too) is filtered and runs as $RUNAS" "" \
	sh -c 'for t in /proc/$1/task/*/status; do awk -v u="$2" "/^Seccomp:/ && \$2 != 2 {print FILENAME, \$0} /^Uid:/ && \$3 != u {print FILENAME, \$0}" "$t"; done' - "$dpid" "$uid"

# --- the files ---
expect "the database is created 0640 and belongs to $RUNAS" "640 $RUNAS" stat -c '%a %U' "$work/db/hallpass.db"
expect "... and its -wal and -shm too" "640 $RUNAS
640 $RUNAS" stat -c '%a %U' "$work/db/hallpass.db-wal" "$work/db/hallpass.db-shm"

# --- it still filters, and reloads ---
expect "DNS: a blocked name is still NXDOMAIN after the drop" NXDOMAIN status_of bet365.com
expect "DNS: an allowed name is still answered" "$UPSTREAM_IP4" dig1 +short "@$DNS_IP4" allowed.test A
expect "DNS: games allowed before the reload" NOERROR status_of minecraft.net
write_policy "gambling, games"
kill -HUP "$dpid"
i=0
while ! grep -q "reloaded\|rejected" "$work/d1.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "reload: SIGHUP reads the configuration as $RUNAS" grep -q "reloaded $cfg" "$work/d1.log"
expect "reload: games blocked after it" NXDOMAIN status_of minecraft.net
check "reload: hallpassd is still running" kill -0 "$dpid"

# --- hostile names: control bytes reach neither the log nor the database ---
ip netns exec "$NS_STUDENT" timeout 5 openssl s_client -connect "$UPSTREAM_IP4:443" \
	-servername "$(printf 'evil\033[31m.com')" </dev/null >/dev/null 2>&1
dig1 "@$DNS_IP4" 'evil\010name.com' A >/dev/null 2>&1
kill -TERM "$dpid"
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
wait "$dpid"
expect "SIGTERM: hallpassd exits cleanly after the drop" 0 echo $?
dpid=
rows=$(sqlite3 "$work/db/hallpass.db" "SELECT host FROM events WHERE host LIKE 'evil%'" 2>&1)
# printf, not echo: dash's echo would turn the \027 back into the escape byte.
contains "the SNI with an escape sequence is recorded, escaped" 'evil\027[31m.com' printf '%s\n' "$rows"
contains "the DNS name with a newline is recorded, escaped" 'evil\010name.com' printf '%s\n' "$rows"
expect "no row holds a control byte" 0 sqlite3 "$work/db/hallpass.db" \
	"SELECT count(*) FROM events WHERE host GLOB '*[^ -~]*'"
expect "no log line holds a control byte" 0 sh -c 'tr -d "\n" <"$1" | tr -d " -~" | wc -c' - "$work/d1.log"

# --- a forbidden call: one clear line, the process dies, the fail mode takes over ---
forbidden() { # fail mode, log file
	start "$2"
	kill -USR2 "$dpid"
	i=0
	while kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	wait "$dpid"
	echo "exit $?" >>"$2"
	dpid=
}
forbidden open "$work/d2.log"
contains "seccomp: a forbidden call is logged with its number" \
	"hallpassd error: seccomp: system call 103 is not on the allow-list" cat "$work/d2.log"
contains "... and hallpassd dies of SIGSYS" "exit $((128 + 31))" cat "$work/d2.log"
expect "fail open: with hallpassd dead, DNS flows unfiltered" "$UPSTREAM_IP4" \
	dig1 +short "@$DNS_IP4" bet365.com A
write_conf closed "$RUNAS"
# The fail mode is in the firewall rules too (--queue-bypass): put them up again for closed.
gw "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
check "firewall up again, fail closed" gw "$HALLPASS" -c "$cfg" firewall up
forbidden closed "$work/d3.log"
contains "fail closed: the same forbidden call is logged" "is not on the allow-list" cat "$work/d3.log"
expect "fail closed: with hallpassd dead, DNS gets no answer" "" sh -c \
	'ip netns exec "$1" dig +short +tries=1 +time=1 "@$2" allowed.test A | grep -v "^;"' - "$NS_STUDENT" "$DNS_IP4"

# --- seccomp: false, for debugging: the switch still happens, no filter ---
printf 'seccomp: false\n' >>"$cfg/hallpass.yaml"
start "$work/d4.log"
expect "seccomp: false: no filter" 0 sh -c 'awk "/^Seccomp:/ {print \$2}" "$1"' - "/proc/$dpid/status"
expect "... but still not root" "$uid" sh -c 'awk "/^Uid:/ {print \$3}" "$1"' - "/proc/$dpid/status"
kill -TERM "$dpid"
wait "$dpid"
dpid=

check "firewall down" gw "$HALLPASS" -c "$cfg" firewall down
if cat "$work"/d*.log | grep -q "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer has encountered"; then
	nok "no sanitizer report from hallpassd" "$(cat "$work"/d*.log | grep -A5 'Sanitizer\|runtime error' | head -20)"
else
	ok "no sanitizer report from hallpassd"
fi
tap_end
