#!/bin/sh
# serve.sh: runs lighttpd with dashboard-cgi/lighttpd.conf on a local port, for trying the dashboard or testing it.
# usage: dashboard-cgi/serve.sh [-p PORT] [-c CONFIG_DIR] [-b BUILD_DIR] [-s STATE_DIR] [-u USER[:GROUP]] [-e NAME=VALUE]... [-d]
#   -p  port on 127.0.0.1 (default 8080)        -c  configuration directory (default rules)
#   -b  where hallpass.cgi was built (build/rel) -s  state directory for pid, log, www (a new temp dir)
#   -u  started as root, lighttpd and the CGI run as USER (and GROUP, default USER's own)
#   -e  extra environment for the CGI (repeatable, e.g. ASAN_OPTIONS=...)
#   -d  run in the background: prints "pid PID state DIR" and returns once the server answers
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
port=8080 conf=rules build=build/rel state= daemon=0 extra= user= group=
while getopts p:c:b:s:u:e:d o; do
	case $o in
	p) port=$OPTARG ;;
	c) conf=$OPTARG ;;
	b) build=$OPTARG ;;
	s) state=$OPTARG ;;
	u) user=${OPTARG%%:*}; case $OPTARG in *:*) group=${OPTARG#*:} ;; esac ;;
	e) extra="$extra, \"${OPTARG%%=*}\" => \"${OPTARG#*=}\"" ;;
	d) daemon=1 ;;
	*) sed -n '3,8p' "$0" >&2; exit 2 ;;
	esac
done
case $port in *[!0-9]*|'') echo "serve.sh: bad port" >&2; exit 2 ;; esac
case $user$group in *[!A-Za-z0-9._-]*) echo "serve.sh: bad user or group" >&2; exit 2 ;; esac
if [ -n "$user" ] && [ -z "$group" ]; then
	group=$(id -gn "$user" 2>/dev/null) || { echo "serve.sh: no user $user" >&2; exit 2; }
fi
command -v lighttpd >/dev/null || { echo "serve.sh: lighttpd is not installed (make deps)" >&2; exit 1; }
abs() { case $1 in /*) echo "$1" ;; *) echo "$top/$1" ;; esac; }
conf=$(abs "$conf") build=$(abs "$build")
[ -x "$build/hallpass.cgi" ] || { echo "serve.sh: no $build/hallpass.cgi (make)" >&2; exit 1; }
[ -n "$state" ] || state=$(mktemp -d /tmp/hallpass-www.XXXXXX)
state=$(abs "$state")
mkdir -p "$state/www" "$state/run"
# lighttpd opens its error log after becoming the user: the state folder is theirs.
if [ -n "$user" ] && [ "$(id -u)" = 0 ]; then
	chown "$user:$group" "$state" "$state/run"
fi
# The document root holds the CGI and nothing else.
ln -sf "$build/hallpass.cgi" "$state/www/hallpass.cgi"
cat >"$state/lighttpd.conf" <<EOC
var.hallpass_www    = "$state/www"
var.hallpass_bind   = "127.0.0.1"
var.hallpass_port   = $port
var.hallpass_config = "$conf"
var.hallpass_lang   = "$top/dashboard-cgi/lang"
var.hallpass_state  = "$state"
var.hallpass_user   = "$user"
var.hallpass_group  = "$group"
var.hallpass_run    = "$state/run"
include "$top/dashboard-cgi/lighttpd.conf"
EOC
if [ -n "$extra" ]; then
	echo "setenv.add-environment += ( ${extra#, } )" >>"$state/lighttpd.conf"
fi
lighttpd -tt -f "$state/lighttpd.conf" >/dev/null
if [ "$daemon" -eq 0 ]; then
	echo "http://127.0.0.1:$port/hallpass.cgi/ (state in $state)"
	exec lighttpd -D -f "$state/lighttpd.conf"
fi
lighttpd -D -f "$state/lighttpd.conf" >>"$state/stdout.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/hallpass.cgi/terms"; do
	i=$((i + 1))
	if [ "$i" -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "serve.sh: lighttpd did not start:" >&2
		cat "$state/error.log" "$state/stdout.log" >&2 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done
echo "pid $pid state $state"
