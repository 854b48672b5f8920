"""A tiny SMTP server for tests, on 127.0.0.1 in a thread: records each accepted message's Message-ID and recipients,
can answer slowly, refuse recipients with a code, and require AUTH XOAUTH2 with an expected string.

Hand-written on `socketserver` because aiosmtpd is not installed and the tests need only this much of RFC 5321.
"""

from __future__ import annotations

import base64
import re
import socketserver
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Received:
    message_id: str
    recipients: list[str]


@dataclass
class SinkConfig:
    delay: float = 0.0  # seconds to wait before accepting each message's data
    refuse: dict[str, int] = field(default_factory=dict)  # recipient → SMTP code to answer RCPT with
    xoauth2: str | None = None  # the decoded XOAUTH2 string AUTH must carry, else AUTH is not offered
    received: list[Received] = field(default_factory=list)
    auths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        config = self.server.config
        authed = config.xoauth2 is None
        recipients: list[str] = []
        self.reply("220 sink ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").strip()
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if config.xoauth2 is not None:
                    self.reply("250-sink")
                    self.reply("250 AUTH XOAUTH2")
                else:
                    self.reply("250 sink")
            elif verb == "AUTH":
                parts = line.split(" ")
                given = base64.b64decode(parts[2]).decode() if len(parts) > 2 else ""
                with config.lock:
                    config.auths.append(given)
                if config.xoauth2 is not None and given == config.xoauth2:
                    authed = True
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.3 Authentication unsuccessful")
            elif verb == "MAIL":
                if not authed:
                    self.reply("530 5.7.57 Client not authenticated")
                else:
                    recipients = []
                    self.reply("250 OK")
            elif verb == "RCPT":
                address = re.sub(r"^.*<(.*)>.*$", r"\1", line)
                code = config.refuse.get(address)
                if code:
                    self.reply(f"{code} refused {address}")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk.decode(errors="replace"))
                if config.delay:
                    time.sleep(config.delay)
                found = re.search(r"^Message-ID:\s*(\S+)", "".join(data), re.MULTILINE | re.IGNORECASE)
                with config.lock:
                    config.received.append(Received(found.group(1) if found else "", recipients))
                self.reply("250 queued")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    config: SinkConfig


class SmtpSink:
    """`with SmtpSink(delay=...) as sink:` then `sink.port`, `sink.received`."""

    def __init__(self, **options: object) -> None:
        self.config = SinkConfig(**options)  # type: ignore[arg-type]
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.config = self.config
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def received(self) -> list[Received]:
        with self.config.lock:
            return list(self.config.received)

    def __enter__(self) -> SmtpSink:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
