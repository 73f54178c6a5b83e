#!/usr/bin/python3
# A real SMTP server on 127.0.0.1 for tests/cli/digest.sh: aiosmtpd (Debian's python3-aiosmtpd), STARTTLS required, each message kept as DIR/N.eml.
# usage: smtpd.py PORT CERT KEY DIR   (DIR/die-on-data: the process exits in the middle of the next DATA)
import asyncio
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller

port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Keep:
    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(out, "die-on-data")):
            # The server goes away while the client waits for its reply to the data.
            os.remove(os.path.join(out, "die-on-data"))
            os._exit(3)
        if not session.ssl:
            return "530 STARTTLS first"
        n = len([f for f in os.listdir(out) if f.endswith(".eml")]) + 1
        path = os.path.join(out, "%d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        with open(os.path.join(out, "rcpt.log"), "a") as f:
            f.write("%d %s %s\n" % (n, envelope.mail_from, " ".join(envelope.rcpt_tos)))
        return "250 OK kept"


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
c = Controller(Keep(), hostname="127.0.0.1", port=port, tls_context=ctx,
               require_starttls=True)
c.start()
with open(os.path.join(out, "ready"), "w") as f:
    f.write("%d\n" % os.getpid())
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    c.stop()
