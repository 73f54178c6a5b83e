#!/bin/sh
# The Debian package end to end: make deb, lintian, apt-get install, files/user/permissions/man/unit, hallpassd started from the unit's own ExecStart in a namespace topology (prefix hpd-), purge leaves nothing it made; TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/net/tap.sh"
export TOPO_PREFIX=hpd-
. "$top/tests/net/topo.env"
export TOPO_DIR
T=$top/tests/net/topo.sh
version=$(cat "$top/VERSION")
work=$(mktemp -d /tmp/hallpass-deb.XXXXXX)
unit=/lib/systemd/system/hallpassd.service
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"
dunit=/lib/systemd/system/hallpass-dashboard.service
installed=0 dpid= lpid= made_run=0 topo=0

cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null
	[ -z "$lpid" ] || kill "$lpid" 2>/dev/null
	if [ "$topo" = 1 ]; then
		[ "$installed" = 0 ] || ip netns exec "${TOPO_PREFIX}gateway" /usr/bin/hallpass firewall down >/dev/null 2>&1
		"$T" down >/dev/null 2>&1
	fi
	# Never leave the package installed, whatever failed.
	[ "$installed" = 0 ] || DEBIAN_FRONTEND=noninteractive $APT purge hallpass >/dev/null 2>&1
	[ "$made_run" = 0 ] || rm -rf /run/hallpass
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for c in dpkg-buildpackage dh lintian apt-get systemd-analyze setpriv man dig; do
	command -v "$c" >/dev/null || missing="${missing:-} $c"
done
if [ "$(id -u)" != 0 ] || [ -n "${missing:-}" ]; then
	skip "the Debian package" "needs root and${missing:- nothing else} (make deps)"
	tap_end
	exit 0
fi
if dpkg-query -W -f '${Status}' hallpass 2>/dev/null | grep -q 'ok installed'; then
	nok "hallpass is not installed before the test" "an installed hallpass is left alone; remove it first"
	tap_end
	exit 1
fi
# What existed before: the package must not take it over or remove it (another test may run hallpassd as hallpass).
user_before=no dir_before=no
getent passwd hallpass >/dev/null && user_before=yes
[ -e /var/lib/hallpass ] && dir_before=yes

# --- build and lint ---
if make -C "$top" deb >"$work/build.log" 2>&1; then ok "make deb builds the package"
else nok "make deb builds the package" "$(tail -15 "$work/build.log")"; tap_end; exit 1; fi
deb=$top/hallpass_${version}_$(dpkg --print-architecture).deb
check "the package is named hallpass_VERSION_ARCH.deb ($(basename "$deb"))" test -f "$deb"
lintian --fail-on error,warning "$deb" >"$work/lintian.log" 2>&1
rc=$?
check "lintian: no error, no warning (overrides are justified in debian/hallpass.lintian-overrides)" \
    sh -c "[ $rc -eq 0 ] && ! grep -E '^(E|W):' '$work/lintian.log'"
expect "the package's version is VERSION" "$version" dpkg-deb -f "$deb" Version

# --- install ---
if DEBIAN_FRONTEND=noninteractive $APT install --no-install-recommends "$deb" >"$work/install.log" 2>&1; then
	installed=1
	ok "apt-get install ./$(basename "$deb")"
else
	installed=1
	nok "apt-get install ./$(basename "$deb")" "$(tail -15 "$work/install.log")"
	tap_end
	exit 1
fi
for f in /usr/bin/hallpass /usr/sbin/hallpassd /usr/lib/hallpass/www/hallpass.cgi; do
	expect "$f: root-owned, 0755" "755 root root" stat -c '%a %U %G' "$f"
done
for f in /usr/share/hallpass/lang/en.yaml /usr/share/hallpass/lang/es.yaml \
    /usr/share/hallpass/lighttpd/hallpass.conf /usr/share/hallpass/rules/policy.yaml \
    /usr/share/hallpass/rules/rules.d/gambling.yaml /usr/share/doc/hallpass/copyright "$unit"; do
	expect "$f: 0644" "644 root" stat -c '%a %U' "$f"
done
for f in policy.yaml hallpass.yaml aup.yaml safesearch.yaml rules.d/gambling.yaml; do
	check "/etc/hallpass/$f is a conffile" grep -qx "/etc/hallpass/$f" /var/lib/dpkg/info/hallpass.conffiles
done
check "/etc/hallpass is the example district and valid" /usr/bin/hallpass -c /etc/hallpass rules check
expect "hallpass --version is VERSION" "hallpass $version" /usr/bin/hallpass --version
expect "hallpassd --version is VERSION" "hallpassd $version" /usr/sbin/hallpassd --version

# --- the user and the state directory ---
check "the hallpass user exists" getent passwd hallpass
uid=$(id -u hallpass 2>/dev/null || echo 0)
if [ "$user_before" = no ]; then
	check "hallpass is a system user ($uid < 1000) with no login shell" \
	    sh -c "[ $uid -gt 0 ] && [ $uid -lt 1000 ] && getent passwd hallpass | grep -q 'nologin\$'"
	check "postinst recorded that it made the user" grep -qx user /var/lib/hallpass/.made-by-package
else
	lacks "postinst did not claim the hallpass user that existed before" user cat /var/lib/hallpass/.made-by-package
fi
if [ "$dir_before" = no ]; then
	expect "/var/lib/hallpass: 0750 hallpass:hallpass" "750 hallpass hallpass" stat -c '%a %U %G' /var/lib/hallpass
	check "postinst recorded that it made /var/lib/hallpass" grep -qx dir /var/lib/hallpass/.made-by-package
else
	skip "/var/lib/hallpass: 0750 hallpass:hallpass" "it existed before the install"
fi

# --- man pages ---
for p in "8 hallpass" "8 hallpassd" "5 hallpass.yaml" "5 hallpass-rules"; do
	set -- $p
	contains "man -w $1 $2 finds the installed page" "/usr/share/man/man$1/$2.$1" man -w "$1" "$2"
done

# --- the CGI finds its languages where make install put them (no HALLPASS_LANG) ---
cp -r /etc/hallpass "$work/conf"
sed -i "s|^database:.*|database: $work/cgi.db|" "$work/conf/hallpass.yaml"
/usr/bin/hallpass -c "$work/conf" guardian invite g1 >/dev/null 2>&1
cgi() { env -i REQUEST_METHOD=GET PATH_INFO=/login SCRIPT_NAME=/hallpass.cgi REMOTE_ADDR=127.0.0.1 \
    SERVER_NAME=localhost HALLPASS_CONFIG="$work/conf" "$@" /usr/lib/hallpass/www/hallpass.cgi; }
cgi >"$work/cgi.out" 2>"$work/cgi.err"
check "hallpass.cgi loads /usr/share/hallpass/lang by itself and serves the login page" \
    sh -c "grep -q '^Status: 200' '$work/cgi.out' && grep -qi '<html lang=\"en\"' '$work/cgi.out'"
cgi HALLPASS_LANG=/nonexistent >"$work/cgi.out" 2>"$work/cgi.err"
check "... which the same request without its languages does not (500)" grep -q '^Status: 500' "$work/cgi.out"

# --- the unit ---
systemd-analyze verify "$unit" >"$work/verify.log" 2>&1
rc=$?
check "systemd-analyze verify $unit: clean" sh -c "[ $rc -eq 0 ] && [ ! -s '$work/verify.log' ]"
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for hallpassd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure ${score:-?} <= 3.0" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.0) }'
# The periodic jobs' units: the shipper (long-running), the purge with its daily timer, guardians' e-mail with its hourly one.
for u in hallpass-ship.service hallpass-purge.service hallpass-purge.timer hallpass-digest.service \
    hallpass-digest.timer; do
	systemd-analyze verify "/lib/systemd/system/$u" >"$work/verify-$u.log" 2>&1
	rc=$?
	check "systemd-analyze verify $u: clean" sh -c "[ $rc -eq 0 ] && [ ! -s '$work/verify-$u.log' ]"
done
for u in hallpass-ship hallpass-purge hallpass-digest; do
	s=$(systemd-analyze security --offline=true "/lib/systemd/system/$u.service" 2>/dev/null | sed -n "s/.*Overall exposure level for $u.service: \([0-9.]*\).*/\1/p")
	check "systemd-analyze security $u.service: exposure ${s:-?} <= 3.0" awk -v s="${s:-99}" 'BEGIN { exit !(s <= 3.0) }'
done
check "the unit restarts on failure and reloads with SIGHUP" \
    sh -c "grep -qx 'Restart=on-failure' $unit && grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' $unit"
check "the unit bounds capabilities to CAP_NET_ADMIN CAP_NET_RAW" grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' "$unit"

# --- hallpassd from the unit's own command lines, as the unit's user with the unit's capabilities ---
pre=$(sed -n 's/^ExecStartPre=\(\/usr\/sbin\/hallpassd .*\)/\1/p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
pidfile=$(sed -n 's/^PIDFile=//p' "$unit")
asunit() { setpriv --reuid=hallpass --regid=hallpass --init-groups --no-new-privs \
    --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw \
    --bounding-set=-all,+net_admin,+net_raw "$@"; }
# Metrics into the state directory (writable under the unit's ProtectSystem=strict): a local edit of a conffile.
echo "metrics_file: /var/lib/hallpass/hallpass.prom" >>/etc/hallpass/hallpass.yaml
expect "ExecStartPre ($pre) as hallpass: the configuration checks" "/etc/hallpass: ok" asunit $pre
if ! "$T" up >"$work/topo.log" 2>&1; then
	topo=1
	nok "topology up" "$(tail -5 "$work/topo.log")"
	tap_end
	exit 1
fi
topo=1
. "$TOPO_DIR/topo.env"
check "firewall up in the gateway (installed hallpass)" ip netns exec "$NS_GATEWAY" /usr/bin/hallpass -c /etc/hallpass firewall up
# systemd's RuntimeDirectory=hallpass, made by hand since systemd does not start it here.
if [ ! -d /run/hallpass ]; then
	install -d -m 0750 -o hallpass -g hallpass /run/hallpass && made_run=1
fi
ip netns exec "$NS_GATEWAY" setpriv --reuid=hallpass --regid=hallpass --init-groups --no-new-privs \
    --inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw \
    --bounding-set=-all,+net_admin,+net_raw $start >"$work/hallpassd.log" 2>&1
rc=$?
dpid=$(cat "$pidfile" 2>/dev/null)
check "ExecStart ($start) detaches ready, exit 0, pid in $pidfile" \
    sh -c "[ $rc -eq 0 ] && [ -n '$dpid' ] && kill -0 '$dpid'"
[ -n "$dpid" ] || dpid=
if [ -n "$dpid" ]; then
	expect "hallpassd runs as hallpass" "$uid" sh -c "awk '/^Uid:/ { print \$2 }' /proc/$dpid/status"
	expect "hallpassd holds only CAP_NET_ADMIN and CAP_NET_RAW" "0000000000003000" \
	    sh -c "awk '/^CapEff:/ { print \$2 }' /proc/$dpid/status"
fi
check "hallpassd logs that it filters" grep -q "filtering on 1 queue" "$work/hallpassd.log"
# The example roster knows both students' MACs, and their groups have a bedtime: a device it does
# not know is the default group, which has none, so the answers below are the same at any hour.
ip netns exec "$NS_STUDENT" ip link set eth0 address 02:00:00:00:99:99
out=$(ip netns exec "$NS_STUDENT" dig +tries=1 +time=2 "@$DNS_IP4" www.bet365.com A 2>&1)
contains "a student's DNS question for a gambling site gets NXDOMAIN (the example district)" "status: NXDOMAIN" echo "$out"
f0=$failed
expect "an allowed name still resolves" "$UPSTREAM_IP4" ip netns exec "$NS_STUDENT" dig +short +tries=1 +time=2 "@$DNS_IP4" allowed.test A
[ "$failed" -eq "$f0" ] || sed 's/^/#   hallpassd: /' "$work/hallpassd.log" | tail -n 15
kill -USR1 "$dpid" 2>/dev/null
i=0
while ! grep -q 'action="block"} [1-9]' /var/lib/hallpass/hallpass.prom 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
contains "SIGUSR1 writes the metrics file: the blocked question is counted" 'hallpass_verdicts_total{action="block"}' cat /var/lib/hallpass/hallpass.prom
check "the metrics count packets" sh -c "grep -Eq '^hallpass_packets_total [1-9]' /var/lib/hallpass/hallpass.prom"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts the file" sh -c "promtool check metrics </var/lib/hallpass/hallpass.prom"
else
	skip "promtool check metrics accepts the file" "promtool is not installed (make deps)"
fi
reload=$(sed -n 's/^ExecReload=//p' "$unit" | sed "s/\$MAINPID/$dpid/")
check "ExecReload ($reload) reloads and the daemon stays" sh -c "$reload && sleep 1 && kill -0 $dpid"
i=0
while ! grep -q "reload" "$work/hallpassd.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "the reload is logged" grep -qi "reload" "$work/hallpassd.log"
check "the metrics count the applied reload" sh -c "kill -USR1 $dpid; sleep 0.5; grep -qx 'hallpass_reloads_total{result=\"applied\"} 1' /var/lib/hallpass/hallpass.prom"
kill -TERM "$dpid" 2>/dev/null
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "SIGTERM stops it" sh -c "! kill -0 $dpid 2>/dev/null"
dpid=

# --- the dashboard's unit: lighttpd from its ExecStart, as hallpass, inside the gateway namespace (its own 127.0.0.1:8080) ---
if command -v lighttpd >/dev/null && command -v curl >/dev/null; then
	systemd-analyze verify "$dunit" >"$work/dverify.log" 2>&1
	rc=$?
	check "systemd-analyze verify $dunit: clean" sh -c "[ $rc -eq 0 ] && [ ! -s '$work/dverify.log' ]"
	dscore=$(systemd-analyze security --offline=true "$dunit" 2>/dev/null | sed -n 's/.*Overall exposure level for hallpass-dashboard.service: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security hallpass-dashboard.service: exposure ${dscore:-?} <= 3.0" awk -v s="${dscore:-99}" 'BEGIN { exit !(s <= 3.0) }'
	check "/etc/hallpass/lighttpd.conf is a conffile" grep -qx /etc/hallpass/lighttpd.conf /var/lib/dpkg/info/hallpass.conffiles
	# systemd's StateDirectory=hallpass/www, by hand; inside /var/lib/hallpass, so purge takes it.
	[ -d /var/lib/hallpass/www ] || install -d -m 0750 -o hallpass -g hallpass /var/lib/hallpass/www
	dpre=$(sed -n 's/^ExecStartPre=//p' "$dunit")
	dstart=$(sed -n 's/^ExecStart=//p' "$dunit")
	check "ExecStartPre ($dpre) as hallpass: the lighttpd configuration is valid" \
	    setpriv --reuid=hallpass --regid=hallpass --init-groups --no-new-privs --inh-caps=-all --bounding-set=-all $dpre
	ip netns exec "$NS_GATEWAY" setpriv --reuid=hallpass --regid=hallpass --init-groups --no-new-privs \
	    --inh-caps=-all --bounding-set=-all $dstart >"$work/lighttpd.log" 2>&1 &
	lpid=$!
	i=0
	while ! ip netns exec "$NS_GATEWAY" curl -s -o /dev/null http://127.0.0.1:8080/ && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	ip netns exec "$NS_GATEWAY" curl -s -D "$work/login.head" -o "$work/login.html" http://127.0.0.1:8080/hallpass.cgi/login
	check "the dashboard unit serves the login page (200, English) with the installed CGI, languages and database" \
	    sh -c "grep -q '^HTTP/1.1 200' '$work/login.head' && grep -q '<html lang=\"en\"' '$work/login.html'"
	expect "lighttpd runs as hallpass" "$uid" sh -c "awk '/^Uid:/ { print \$2 }' /proc/$lpid/status"
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	lpid=
else
	skip "the dashboard unit" "lighttpd and curl are not installed (make deps)"
fi
check "firewall down" ip netns exec "$NS_GATEWAY" /usr/bin/hallpass firewall down
"$T" down >/dev/null 2>&1
topo=0
[ "$made_run" = 0 ] || { rm -rf /run/hallpass; made_run=0; }

# --- purge: nothing it made is left, nothing it did not make is gone ---
if DEBIAN_FRONTEND=noninteractive $APT purge hallpass >"$work/purge.log" 2>&1; then
	installed=0
	ok "apt-get purge hallpass"
else
	nok "apt-get purge hallpass" "$(tail -10 "$work/purge.log")"
fi
check "dpkg no longer knows hallpass" sh -c "! dpkg-query -W -f '\${Status}' hallpass 2>/dev/null | grep -q installed"
left=
for f in /usr/bin/hallpass /usr/sbin/hallpassd /usr/lib/hallpass /usr/share/hallpass /etc/hallpass \
    /usr/share/doc/hallpass "$unit" "$dunit" /usr/share/man/man8/hallpass.8.gz /usr/share/man/man8/hallpassd.8.gz \
    /usr/share/man/man5/hallpass.yaml.5.gz /usr/share/man/man5/hallpass-rules.5.gz; do
	[ -e "$f" ] && left="$left $f"
done
check "purge removes every installed file and /etc/hallpass" sh -c "[ -z '$left' ] || { echo 'left:$left'; false; }"
if [ "$dir_before" = no ]; then
	check "purge removes /var/lib/hallpass, which postinst made" sh -c "[ ! -e /var/lib/hallpass ]"
else
	check "purge keeps /var/lib/hallpass, which existed before" test -d /var/lib/hallpass
fi
if [ "$user_before" = no ]; then
	check "purge removes the hallpass user and group it made" sh -c "! getent passwd hallpass && ! getent group hallpass"
else
	check "purge keeps the hallpass user that existed before" getent passwd hallpass
fi
tap_end
