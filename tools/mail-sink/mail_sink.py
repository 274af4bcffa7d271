#!/usr/bin/python3
"""A local SMTP server for development and tests: Debian's aiosmtpd, delivering every message
it accepts to a maildir (one file per message in <maildir>/new). Parta's identity service sends
its e-mail (password reset codes) here through SMTP as it would to a real relay.

    mail_sink.py --listen 127.0.0.1:2525 --maildir DIR [--port-file FILE]

Port 0 picks a free port; --port-file then tells which (written once listening).
"""

import argparse
import asyncio
import os
import signal

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def serve(host, port, maildir, port_file):
    loop = asyncio.get_running_loop()
    handler = Mailbox(maildir)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mail-sink.parta", enable_SMTPUTF8=True), host, port)
    bound = server.sockets[0].getsockname()[1]
    if port_file:
        temporary = port_file + ".tmp"
        with open(temporary, "w") as out:
            out.write(f"{bound}\n")
        os.replace(temporary, port_file)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:2525")
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port-file", default="")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    for folder in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(args.maildir, folder), exist_ok=True)
    asyncio.run(serve(host, int(port), args.maildir, args.port_file))


if __name__ == "__main__":
    main()
