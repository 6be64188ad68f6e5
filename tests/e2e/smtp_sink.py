"""A local SMTP sink for the end-to-end tests (Debian's python3-aiosmtpd).

usage: smtp_sink.py OUTDIR REFUSE
Listens on 127.0.0.1 at a free port, written to OUTDIR/port once ready.
The first REFUSE messages are answered 451 (try again later); every later
one is accepted and kept as OUTDIR/NNN.eml with its envelope in NNN.env.
Runs until killed.
"""
import os
import signal
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, outdir, refuse):
        self.outdir = outdir
        self.refuse = refuse
        self.kept = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.kept += 1
        base = os.path.join(self.outdir, "%03d" % self.kept)
        with open(base + ".env", "w") as f:
            f.write("from %s\nto %s\n" % (envelope.mail_from, " ".join(envelope.rcpt_tos)))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    outdir, refuse = sys.argv[1], int(sys.argv[2])
    port = free_port()
    controller = Controller(Handler(outdir, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    with open(os.path.join(outdir, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(outdir, "port.tmp"), os.path.join(outdir, "port"))
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
