#!/bin/sh
# CLI tests for help and usage errors: --help per subcommand on stdout (exit 0), one-line errors naming the fix (exit 2), --version; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
tmp=$(mktemp -d /tmp/hallpass-help.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$HALLPASS_TOP" || exit 1
n=0
version=$(cat VERSION)

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" | head -n 5
		sed 's/^/#   err: /' "$tmp/err" | head -n 5
	fi
}

run() {	# RC PROG ARGS...: true if PROG exits with RC and no sanitizer spoke
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	! grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null && [ "$got" -eq "$want" ]
}

# err_is RC LINE ARGS...: exit RC, nothing on stdout, exactly LINE on stderr (one line).
err_is() {
	want_rc=$1 line=$2
	shift 2
	run "$want_rc" "$HALLPASS" "$@" && [ ! -s "$tmp/out" ] &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(cat "$tmp/err")" = "$line" ]
}

# --- versions: one VERSION file ---
run 0 "$HALLPASS" --version && [ "$(cat "$tmp/out")" = "hallpass $version" ]
ok $? "hallpass --version prints the VERSION file's version"
run 0 "$HALLPASS" -V && [ "$(cat "$tmp/out")" = "hallpass $version" ]
ok $? "hallpass -V too"
run 0 "$HALLPASSD" --version && [ "$(cat "$tmp/out")" = "hallpassd $version" ]
ok $? "hallpassd --version prints the same version"
grep -q "^hallpass ($version)" debian/changelog
ok $? "debian/changelog's newest entry is the VERSION file's version"

# --- global help ---
for h in --help -h help; do
	run 0 "$HALLPASS" $h && grep -q '^usage: hallpass \[-c DIR\] COMMAND' "$tmp/out" && [ ! -s "$tmp/err" ]
	ok $? "hallpass $h prints the usage on stdout, exit 0"
done
run 0 "$HALLPASSD" --help && grep -q '^usage: hallpassd ' "$tmp/out" && grep -q -- '--check' "$tmp/out"
ok $? "hallpassd --help prints its usage on stdout, exit 0"
run 0 "$HALLPASSD" -h && grep -q '^usage: hallpassd ' "$tmp/out"
ok $? "hallpassd -h too"

# --- every subcommand's --help: its own usage on stdout, exit 0, no configuration needed ---
cmds=$(sed -n 's/^	{ "\([a-z]*\)", [a-z_]*, ".*/\1/p' cli/main.c)
[ "$(echo $cmds | wc -w)" -ge 7 ]
ok $? "the dispatch table in cli/main.c lists the subcommands ($(echo $cmds))"
for c in $cmds; do
	run 0 "$HALLPASS" -c /nonexistent "$c" --help &&
	    grep -q "^usage: hallpass .*$c" "$tmp/out" && [ ! -s "$tmp/err" ]
	ok $? "hallpass $c --help: its usage on stdout, exit 0"
	run 0 "$HALLPASS" "$c" -h && grep -q "^usage: hallpass .*$c" "$tmp/out"
	ok $? "hallpass $c -h too"
	run 0 "$HALLPASS" help "$c" && grep -q "^usage: hallpass .*$c" "$tmp/out"
	ok $? "hallpass help $c too"
	grep -q "^$c " "$tmp/out" 2>/dev/null; : # (the global help lists it:)
	run 0 "$HALLPASS" help && grep -q "^  $c " "$tmp/out"
	ok $? "hallpass help lists $c"
	# An unknown option: one line naming it and this subcommand's --help.
	err_is 2 "hallpass: $c: unknown option --bogus; see 'hallpass $c --help'" "$c" --bogus
	ok $? "hallpass $c --bogus: one line naming the option and '$c --help', exit 2"
	err_is 2 "hallpass: $c: unknown option -Z; see 'hallpass $c --help'" "$c" -Z
	ok $? "hallpass $c -Z: the same for a short option"
done

# --- top-level errors: one line, 'hallpass help' ---
err_is 2 "hallpass: unknown command \"frobnicate\"; see 'hallpass help'" frobnicate
ok $? "an unknown command: one line, exit 2"
err_is 2 "hallpass: no command given; see 'hallpass help'"
ok $? "no command: one line, exit 2"
err_is 2 "hallpass: unknown option --frob; see 'hallpass help'" --frob explain
ok $? "an unknown global option: one line, exit 2"
err_is 2 "hallpass: option -c needs an argument; see 'hallpass help'" -c
ok $? "-c without a directory: one line, exit 2"
err_is 2 "hallpass: unknown command \"nope\"; see 'hallpass help'" help nope
ok $? "help for an unknown command: one line, exit 2"
run 2 "$HALLPASSD" --frob && [ "$(cat "$tmp/err")" = "hallpassd: unknown option --frob; see 'hallpassd --help'" ]
ok $? "hallpassd --frob: one line, exit 2"
run 2 "$HALLPASSD" extra && [ "$(cat "$tmp/err")" = "hallpassd: unexpected argument \"extra\"; see 'hallpassd --help'" ]
ok $? "hallpassd with an argument: one line, exit 2"

# --- each subcommand's own usage errors ---
err_is 2 "hallpass: rules: needs an action (check); see 'hallpass rules --help'" rules
ok $? "rules without an action"
err_is 2 "hallpass: rules: unknown action \"lint\" (check); see 'hallpass rules --help'" rules lint
ok $? "rules with an unknown action"
run 0 "$HALLPASS" rules check --help && grep -q '^usage: hallpass \[-c DIR\] rules check' "$tmp/out"
ok $? "rules check --help: the usage, not a check"
err_is 2 "hallpass: rules: unknown option --strict; see 'hallpass rules --help'" rules check --strict
ok $? "rules check with an unknown option"
err_is 2 "hallpass: explain: needs a STUDENT and a HOST; see 'hallpass explain --help'" explain s1
ok $? "explain without a host"
err_is 2 "hallpass: explain: option --at needs an argument; see 'hallpass explain --help'" explain s1 a.com --at
ok $? "explain --at without a value"
err_is 2 "hallpass: explain: --path must start with /; see 'hallpass explain --help'" -c rules explain - a.com --path x
ok $? "explain --path without a leading /"
err_is 2 "hallpass: inspect: needs a CAPTURE file; see 'hallpass inspect --help'" inspect
ok $? "inspect without a capture"
err_is 2 "hallpass: import: needs a format and a file or folder; see 'hallpass import --help'" import hosts
ok $? "import without a file"
err_is 2 "hallpass: import: --category is required; see 'hallpass import --help'" import hosts /dev/null
ok $? "import without --category"
err_is 2 "hallpass: firewall: needs an action (up, down or status); see 'hallpass firewall --help'" firewall
ok $? "firewall without an action"
err_is 2 "hallpass: firewall: unknown action \"sideways\" (up, down or status); see 'hallpass firewall --help'" firewall sideways
ok $? "firewall with an unknown action"
err_is 2 "hallpass: firewall: --mode must be gateway or hotspot, not \"bridge\"; see 'hallpass firewall --help'" firewall up --mode bridge
ok $? "firewall --mode with a bad value"
err_is 2 "hallpass: activity: unexpected argument \"s1\"; see 'hallpass activity --help'" activity s1
ok $? "activity with a stray argument"
err_is 2 "hallpass: guardian: needs an action (invite or revoke); see 'hallpass guardian --help'" guardian
ok $? "guardian without an action"
err_is 2 "hallpass: guardian: invite needs a GUARDIAN_ID; see 'hallpass guardian --help'" guardian invite
ok $? "guardian invite without an id"
err_is 2 "hallpass: guardian: --days must be 1-90, not \"0\"; see 'hallpass guardian --help'" guardian invite g1 --days 0
ok $? "guardian --days out of range"

# --- a missing configuration directory names -c ---
for c in "rules check" "explain - a.com" "inspect x.pcap" "activity" "guardian invite g1" "firewall up"; do
	err_is 1 "hallpass: configuration directory $tmp/none: No such file or directory; use -c DIR to name another (default /etc/hallpass)" -c "$tmp/none" $c
	ok $? "$c with a missing configuration directory names -c, exit 1"
done
: >"$tmp/file"
err_is 1 "hallpass: configuration directory $tmp/file: not a directory; use -c DIR to name another (default /etc/hallpass)" -c "$tmp/file" rules check
ok $? "a file given as the configuration directory"

# --- a database that will not open names the setting ---
cp -r rules "$tmp/conf"
sed -i "s|^database:.*|database: $tmp/nodir/h.db|" "$tmp/conf/hallpass.yaml"
run 1 "$HALLPASS" -c "$tmp/conf" activity &&
    grep -q "the \"database\" setting in $tmp/conf/hallpass.yaml chooses the database" "$tmp/err" &&
    grep -q "$tmp/nodir/h.db" "$tmp/err"
ok $? "activity without a database names the database setting and the file, exit 1"
run 1 "$HALLPASS" -c "$tmp/conf" guardian invite g1 &&
    grep -q "the \"database\" setting in $tmp/conf/hallpass.yaml chooses the database" "$tmp/err"
ok $? "guardian invite without a database names the setting, exit 1"

# --- explain takes a URL's host (and path), refuses what is not a host ---
run 0 "$HALLPASS" -c rules explain - www.bet365.com --at "2026-11-23 16:00" && cp "$tmp/out" "$tmp/host"
ok $? "explain of a host"
run 0 "$HALLPASS" -c rules explain - "https://user@WWW.Bet365.com:443/poker?x=1#y" --at "2026-11-23 16:00" &&
    cmp -s "$tmp/out" "$tmp/host" && grep -q '^block gambling ' "$tmp/out"
ok $? "explain of a URL decides its host (user, port, path, query and case aside)"
run 0 "$HALLPASS" -c rules explain - "http://[2001:db8::1]:8080/" && grep -q '^allow ' "$tmp/out"
ok $? "explain of a URL with an IPv6 literal"
err_is 2 "hallpass: explain: \"www.bet365.com/poker\" is not a host name (give a host, or a URL with its scheme, e.g. http://www.bet365.com/poker); see 'hallpass explain --help'" -c rules explain - www.bet365.com/poker
ok $? "explain of host/path without a scheme is refused, not allowed"
run 2 "$HALLPASS" -c rules explain - "http://bad host/" && [ ! -s "$tmp/out" ] &&
    grep -q "^hallpass: explain: \"http://bad host/\" is not a host name" "$tmp/err"
ok $? "explain of a URL whose host is not a name is refused, exit 2, nothing on stdout"
run 2 "$HALLPASS" -c rules explain - "http:///x" && [ ! -s "$tmp/out" ]
ok $? "explain of a URL without a host is refused"
run 2 "$HALLPASS" -c rules explain - "ex ample.com" && [ ! -s "$tmp/out" ]
ok $? "explain of a host with a space is refused"

# --- rules.d strays are warned, not skipped silently ---
cp rules/rules.d/games.yaml "$tmp/conf/rules.d/extra.yml"
run 0 "$HALLPASS" -c "$tmp/conf" rules check &&
    grep -qx "$tmp/conf/rules.d: warning: extra.yml is not read: only NAME.yaml files are rule sets" "$tmp/err" &&
    grep -q ': ok: ' "$tmp/out"
ok $? "rules check names a rules.d file that is not .yaml as a warning, still exit 0"

# --- hallpassd --check: a dry run of the start's configuration load ---
run 0 "$HALLPASSD" -c rules --check && [ "$(cat "$tmp/out")" = "rules: ok" ]
ok $? "hallpassd --check on the shipped rules: ok, exit 0"
run 1 "$HALLPASSD" -c "$tmp/none" --check
ok $? "hallpassd --check on a missing directory: exit 1"

echo "1..$n"
