#!/bin/sh
# Man pages: mandoc-clean, and checked against the code they describe (subcommands, hallpass.yaml keys, rule keys) and docs/; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
cd "$HALLPASS_TOP" || exit 1
n=0
ok() {	# $1 status (0 = pass), $2 description, $3 detail on failure
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

pages="man/hallpass.8 man/hallpassd.8 man/hallpass.yaml.5 man/hallpass-rules.5"
for p in $pages; do
	if command -v mandoc >/dev/null; then
		# From man/, so mandoc finds the pages these refer to.
		out=$(cd man && mandoc -T lint -W style "${p#man/}" 2>&1)
		[ -z "$out" ]
		ok $? "$p is mandoc -T lint clean" "$out"
	else
		n=$((n + 1)); echo "ok $n - $p is mandoc -T lint clean # SKIP mandoc is not installed (make deps)"
	fi
done

# Every subcommand of the dispatch table has its own entry in hallpass(8) and in 'hallpass help'.
cmds=$(sed -n 's/^	{ "\([a-z]*\)", [a-z_]*, ".*/\1/p' cli/main.c)
[ "$(echo $cmds | wc -w)" -ge 7 ]
ok $? "cli/main.c's dispatch table names the subcommands: $(echo $cmds)"
"$HALLPASS" help >/tmp/hallpass-man-help.$$ 2>&1
for c in $cmds; do
	grep -q "^\.It Cm $c\( \|$\)" man/hallpass.8
	ok $? "hallpass(8) has an entry for '$c'"
	grep -q "^  $c " /tmp/hallpass-man-help.$$
	ok $? "'hallpass help' lists '$c'"
done
rm -f /tmp/hallpass-man-help.$$
grep -q '^\.It Cm help' man/hallpass.8
ok $? "hallpass(8) has an entry for 'help'"

# Every key of config/config.c's one settings table is in hallpass.yaml(5) and docs/config.md.
keys=$(sed -n 's/^	{ "\([a-z_0-9]*\)", CT_.*/\1/p' config/config.c)
[ "$(echo $keys | wc -w)" -ge 10 ]
ok $? "config/config.c's config_settings[] names the keys: $(echo $keys | wc -w)"
missing5= missingmd=
for k in $keys; do
	grep -q "^\.It Cm $k :" man/hallpass.yaml.5 || missing5="$missing5 $k"
	grep -q "^| \`$k\` |" docs/config.md || missingmd="$missingmd $k"
done
[ -z "$missing5" ]
ok $? "every hallpass.yaml key has an entry in hallpass.yaml(5)" "missing:$missing5"
[ -z "$missingmd" ]
ok $? "every hallpass.yaml key has a row in docs/config.md" "missing:$missingmd"
# ... and the page documents no key the code does not know.
extra=
for k in $(sed -n 's/^\.It Cm \([a-z_0-9]*\) :.*/\1/p' man/hallpass.yaml.5); do
	echo "$keys" | grep -qx "$k" || extra="$extra $k"
done
[ -z "$extra" ]
ok $? "hallpass.yaml(5) names no key config.c does not read" "extra:$extra"

# Every key the rule loaders accept (policy.yaml, safesearch.yaml, aup.yaml, rules.d) is in hallpass-rules(5) and docs/config.md.
rkeys=$( (grep -ho '{ "[a-z_]*", [01], NULL, NULL }' policy/*.c terms/*.c |
    sed 's/{ "\([a-z_]*\)".*/\1/'
    grep -A1 '^static const char \*const rules_keys' policy/policy_rules.c | grep -o '"[a-z_]*"' | tr -d '"') | sort -u)
[ "$(echo $rkeys | wc -w)" -ge 20 ]
ok $? "the rule loaders name their keys: $(echo $rkeys | wc -w)"
missing5= missingmd=
for k in $rkeys; do
	grep -q "Cm $k\>" man/hallpass-rules.5 || missing5="$missing5 $k"
	grep -q -e "\`$k\`" -e "\`\.$k\`" docs/config.md || missingmd="$missingmd $k"
done
[ -z "$missing5" ]
ok $? "every rule key is in hallpass-rules(5)" "missing:$missing5"
[ -z "$missingmd" ]
ok $? "every rule key is in docs/config.md" "missing:$missingmd"

# The pages cross-reference each other and the version the binaries print is the package's.
for p in $pages; do
	for x in hallpass.8 hallpassd.8 hallpass.yaml.5 hallpass-rules.5; do
		[ "man/$x" = "$p" ] && continue
		name=${x%.*} sec=${x##*.}
		grep -q "^\.Xr $name $sec" "$p" || { echo "# $p lacks .Xr $name $sec"; false; }
	done
	ok $? "$p's SEE ALSO names the other three pages"
done
echo "1..$n"
