# tap.sh: TAP helpers the shell tests source (ok/nok/check/expect/…); counts in $n and $failed.
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { # desc [detail]
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { # desc cmd... : passes if cmd succeeds
	_d=$1; shift
	if _out=$("$@" 2>&1); then ok "$_d"; else nok "$_d" "$_out"; fi
}
expect() { # desc want cmd... : passes if cmd's output is exactly want
	_d=$1 _want=$2; shift 2
	_out=$("$@" 2>&1) || true
	if [ "$_out" = "$_want" ]; then ok "$_d"; else nok "$_d" "want: $_want
got:  $_out"; fi
}
contains() { # desc needle cmd... : passes if cmd's output contains needle (fixed string)
	_d=$1 _want=$2; shift 2
	_out=$("$@" 2>&1) || true
	case $_out in
	*"$_want"*) ok "$_d" ;;
	*) nok "$_d" "want it to contain: $_want
got: $_out" ;;
	esac
}
lacks() { # desc needle cmd... : passes if cmd's output does not contain needle
	_d=$1 _want=$2; shift 2
	_out=$("$@" 2>&1) || true
	case $_out in
	*"$_want"*) nok "$_d" "must not contain: $_want
got: $_out" ;;
	*) ok "$_d" ;;
	esac
}
tap_end() { echo "1..$n"; [ "$failed" -eq 0 ]; }
