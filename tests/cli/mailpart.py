#!/usr/bin/python3
# Prints one part of a stored e-mail for tests/cli/digest.sh: a header (decoded), the text or HTML body, or the top content type.
# usage: mailpart.py FILE header NAME | text | html | type
import email
import email.policy
import signal
import sys

# A reader that stops early (grep -q) is not an error.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
what = sys.argv[2]
if what == "header":
    v = m.get(sys.argv[3])
    print("" if v is None else str(v))
elif what == "type":
    print(m.get_content_type())
else:
    part = m.get_body(preferencelist=("plain",) if what == "text" else ("html",))
    print(part.get_content() if part is not None else "")
