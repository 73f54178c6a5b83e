#!/bin/sh
# Interim demo until hallpassd lands: check the shipped rules and explain a few real decisions.
set -eu
H=${HALLPASS:-build/rel/hallpass}
dir=${1:-rules}
run() { echo "\$ hallpass -c $dir $*"; "$H" -c "$dir" "$@"; echo; }
run rules check
# Ana (s1001, elementary) on a Monday: school hours, after school, bedtime.
run explain s1001 minecraft.net --at "2026-11-23 10:00"
run explain s1001 minecraft.net --at "2026-11-23 16:00"
run explain s1001 www.wikipedia.org --at "2026-11-23 22:00"
run explain s1001 www.bet365.com --at "2026-11-23 16:00"
run explain s1001 www.google.com --at "2026-11-23 16:00"
# Diego (s1004) has his own allow (YouTube) and deny (Roblox).
run explain s1004 www.youtube.com --at "2026-11-23 16:00"
run explain s1004 www.roblox.com --at "2026-11-23 16:00"
# A device that matches no student gets the default group.
run explain - www.instagram.com --at "2026-11-23 16:00"
echo "Edit $dir/policy.yaml or $dir/rules.d/*.yaml and run 'hallpass -c $dir rules check' again."
