#!/bin/sh
# "hallpass letters": a batch for a OneRoster roster printed to PDF by chromium, its text read back in both languages (pdftotext), its QR code decoded to the enrolment address (zbarimg), a letter's code enrolling a family without e-mail, filters and errors; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
cd "$HALLPASS_TOP" || exit 1
build=${HALLPASS_BUILD:-build/test}
tmp=$(mktemp -d /tmp/hallpass-letters.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
conf="$tmp/conf"
url=https://families.example.org/hallpass.cgi
export HALLPASS_LANG="$HALLPASS_TOP/dashboard-cgi/lang"
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" 2>/dev/null | head -n 8
		sed 's/^/#   err: /' "$tmp/err" 2>/dev/null | head -n 8
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# run RC ARGS...: true if hallpass ARGS exits with RC and no sanitizer spoke.
run() {
	want=$1
	shift
	"$HALLPASS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null; then
		echo "# sanitizer report: $*"
		return 1
	fi
	[ "$got" -eq "$want" ] || { echo "# exit $got, wanted $want: $*"; return 1; }
}

# The base fixture, the roster tests' policy.yaml (one hand-written guardian
# whose name is markup), the shipped terms (they have a summary), a database here.
rm -rf "$conf"
cp -r tests/fixtures/base "$conf"
cp tests/fixtures/oneroster/conf/policy.yaml "$conf/policy.yaml"
cat >>"$conf/policy.yaml" <<'YAML'
  g-mark:
    name: "Zoë <b>&amp;"
    language: es-MX
    students: [s1]
YAML
cp rules/aup.yaml "$conf/aup.yaml"
sed -i "s|^database:.*|database: $tmp/hp.db|" "$conf/hallpass.yaml"

run 2 -c "$conf" letters
grep -qx "hallpass: letters: needs -o OUT.html; see 'hallpass letters --help'" "$tmp/err"
ok $? "no -o: a one-line usage error, exit 2"

run 0 -c "$conf" roster import oneroster tests/fixtures/oneroster/v1.1
ok $? "roster import of the v1.1 export (4 guardians, languages es, es, fr, vi)"

run 1 -c "$conf" letters -o "$tmp/l.html" &&
    grep -q "dashboard_url is not set" "$tmp/err" && [ ! -e "$tmp/l.html" ]
ok $? "without dashboard_url: exit 1 naming the setting, nothing written"

printf 'dashboard_url: %s\n' "$url" >>"$conf/hallpass.yaml"

run 0 -c "$conf" letters -o "$tmp/all.html" &&
    grep -q "^$tmp/all.html: 5 letters (es 3, en 2), codes valid until [0-9-]*, 2 in English for want of their language$" "$tmp/out" &&
    grep -q 'par-202: no language file for "fr": the letter is in English' "$tmp/err" &&
    [ "$(stat -c %a "$tmp/all.html")" = 600 ] && ! ls "$tmp"/all.html.* >/dev/null 2>&1
ok $? "letters for everyone: 5 letters, es for es/Spanish/es-MX, English for fr and vi (said), mode 0600, no temp file left"

codes=$(grep -o '<p class="code">[A-Z2-9-]*</p>' "$tmp/all.html" | sed 's/<[^>]*>//g')
[ "$(echo "$codes" | sort -u | grep -c '^[A-Z2-9]\{4\}-[A-Z2-9]\{4\}-[A-Z2-9]\{4\}-[A-Z2-9]\{4\}$')" -eq 5 ]
ok $? "five different fresh codes, one per letter"

grep -q 'Zoë &lt;b&gt;&amp;amp;' "$tmp/all.html" && ! grep -q '<b>' "$tmp/all.html"
ok $? "a guardian's name is escaped in the letter"

# Print it as a browser does, then read the PDF back.
pdf="$tmp/all.pdf"
if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! command -v zbarimg >/dev/null; then
	for t in pdf pages es en terms qr; do skip "chromium, poppler-utils or zbar-tools missing (make deps)"; done
else
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
	    --user-data-dir="$tmp/chromium" --print-to-pdf="$pdf" "file://$tmp/all.html" \
	    >"$tmp/chromium.log" 2>&1
	[ -s "$pdf" ]
	ok $? "chromium prints the batch to PDF"

	pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	[ "$pages" = 5 ]
	ok $? "one page per letter (5 pages, got ${pages:-none})"

	pdftotext "$pdf" "$tmp/all.txt" 2>/dev/null
	# par-200 (María, es): her letter is Spanish throughout.
	p1=$(for i in 1 2 3 4 5; do pdftotext -f $i -l $i "$pdf" - 2>/dev/null | grep -q 'María Garcia' && echo $i; done | head -n 1)
	# One line: a phrase the layout wrapped is still found.
	pdftotext -f "${p1:-1}" -l "${p1:-1}" "$pdf" - 2>/dev/null | tr '\n' ' ' | tr -s ' ' >"$tmp/es.txt"
	grep -q 'Estimado/a María Garcia:' "$tmp/es.txt" &&
	    grep -q 'Su código de inscripción' "$tmp/es.txt" &&
	    grep -q 'Cómo crear su cuenta desde un teléfono' "$tmp/es.txt" &&
	    grep -q 'Elija un nombre para entrar: un nombre de usuario o su número de teléfono' "$tmp/es.txt" &&
	    grep -q 'Las normas del dispositivo, en resumen' "$tmp/es.txt" &&
	    grep -q 'El dispositivo es ante todo para las tareas escolares' "$tmp/es.txt" &&
	    grep -q 'He leído y acepto estas condiciones' "$tmp/es.txt" &&
	    ! grep -q 'Your enrolment code' "$tmp/es.txt"
	ok $? "the PDF's Spanish letter (par-200): greeting, code, phone steps, terms in short, how to accept"

	p2=$(for i in 1 2 3 4 5; do pdftotext -f $i -l $i "$pdf" - 2>/dev/null | grep -q 'Chidi Okafor' && echo $i; done | head -n 1)
	pdftotext -f "${p2:-1}" -l "${p2:-1}" "$pdf" - 2>/dev/null | tr '\n' ' ' | tr -s ' ' >"$tmp/en.txt"
	grep -q 'Dear Chidi Okafor,' "$tmp/en.txt" &&
	    grep -q 'Your enrolment code' "$tmp/en.txt" &&
	    grep -q 'How to set up your account from a phone' "$tmp/en.txt" &&
	    grep -q 'a username or your phone number. You do not need an e-mail address' "$tmp/en.txt" &&
	    grep -q 'The device is for schoolwork first' "$tmp/en.txt" &&
	    grep -q 'I have read and accept these terms' "$tmp/en.txt" &&
	    grep -q 'detailed activity is deleted after 90 days' "$tmp/en.txt" &&
	    ! grep -q 'Su código' "$tmp/en.txt"
	ok $? "the PDF's English letter (par-202, French wanted): the same in English, the retention period filled in"

	missing=0
	for c in $codes; do grep -q "$c" "$tmp/all.txt" || { echo "# code $c not in the PDF"; missing=1; }; done
	[ "$missing" = 0 ]
	ok $? "every code is printed in the PDF's text"

	# Each page's QR code, read off the printed page, is the enrolment address.
	pdftoppm -r 150 -png "$pdf" "$tmp/page" 2>/dev/null
	good=0
	for f in "$tmp"/page*.png; do
		got=$(zbarimg -q --raw "$f" 2>/dev/null)
		[ "$got" = "$url/enrol" ] && good=$((good + 1)) || echo "# $f: decoded \"$got\""
	done
	[ "$good" = 5 ]
	ok $? "zbarimg decodes every page's QR code to $url/enrol"
fi

# A family without e-mail enrols with its letter's code and a phone number, through the CGI.
cgi="$build/hallpass.cgi"
code=$(grep -A 40 'id="letter-par-201"' "$tmp/all.html" | grep -o '<p class="code">[A-Z2-9-]*</p>' | head -n 1 | sed 's/<[^>]*>//g')
pre=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
enrol() {	# $1 form body: prints the CGI's headers
	printf '%s' "$1" | env -i HALLPASS_CONFIG="$conf" HALLPASS_LANG="$HALLPASS_LANG" \
	    REQUEST_METHOD=POST PATH_INFO=/enrol SCRIPT_NAME=/hallpass.cgi REMOTE_ADDR=192.0.2.9 \
	    HTTP_HOST=families.example.org CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=${#1} HTTP_COOKIE="hp_pre=$pre" \
	    ASAN_OPTIONS=detect_leaks=1 "$cgi" 2>"$tmp/err" | tr -d '\r' | sed '/^$/q'
}
if [ -x "$cgi" ]; then
	enrol "csrf=$pre&code=$code&login=&lang=es&password=correct+horse+battery&password2=correct+horse+battery" >"$tmp/out"
	grep -q '^Status: 400' "$tmp/out"
	ok $? "par-201 has no e-mail: enrolling without a sign-in name is refused (400) and the code is not spent"

	enrol "csrf=$pre&code=$code&login=%2B1+(555)+010-0101&lang=es&password=correct+horse+battery&password2=correct+horse+battery" >"$tmp/out"
	grep -q '^Status: 303' "$tmp/out" && grep -q '^Set-Cookie: hp_session=' "$tmp/out" &&
	    grep -q '^Set-Cookie: hp_lang=es' "$tmp/out"
	ok $? "the same code with a phone number as the sign-in name enrols par-201 (303, a session, Spanish)"
else
	skip "build $cgi first"
	skip "build $cgi first"
fi

run 0 -c "$conf" letters --not-enrolled -o "$tmp/rest.html" &&
    grep -q ": 4 letters (" "$tmp/out" && ! grep -q 'id="letter-par-201"' "$tmp/rest.html"
ok $? "--not-enrolled leaves out the guardian who enrolled"

run 0 -c "$conf" letters --lang es -o "$tmp/es.html" &&
    grep -q ": 3 letters (es 3)," "$tmp/out" && ! grep -q '<article class="letter" lang="en"' "$tmp/es.html"
ok $? "--lang es: only the Spanish letters"

run 0 -c "$conf" letters --school "Washington High" -o "$tmp/w.html" &&
    grep -q ": 1 letter (en 1)," "$tmp/out" && grep -q 'id="letter-par-202"' "$tmp/w.html"
ok $? "--school by name: the one family at Washington High"

run 0 -c "$conf" letters --group elementary -o "$tmp/e.html" &&
    grep -q ": 3 letters (" "$tmp/out" && ! grep -q 'id="letter-par-202"' "$tmp/e.html"
ok $? "--group elementary: the families of the KG-05 students at Lincoln"

run 1 -c "$conf" letters --school nowhere -o "$tmp/none.html" &&
    grep -q "no guardian matches; nothing written" "$tmp/err" && [ ! -e "$tmp/none.html" ]
ok $? "no guardian matches: exit 1, nothing written"

run 1 -c "$conf" letters --lang xx -o "$tmp/xx.html" && grep -q -- "--lang xx: the dashboard has no language file" "$tmp/err"
ok $? "--lang of a language without a file: exit 1"

run 2 -c "$conf" letters --days 0 -o "$tmp/d.html"
ok $? "--days 0: usage error"

echo "1..$n"
