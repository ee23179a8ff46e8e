"""A real SMTP server on loopback (aiosmtpd), started by the tests that need
one, on a port the OS picks. It keeps what it received and can be told to
refuse recipients with a given code, or be stopped and started again."""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: email.message.EmailMessage

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return part.get_content()
        raise AssertionError(f"no {content_type} part")

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


class _Handler:
    def __init__(self, server: "LoopbackSMTP"):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        with self.server.lock:
            self.server.rcpt_attempts.append(address)
            refusal = self.server.refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class LoopbackSMTP:
    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.rcpt_attempts: list[str] = []
        self.refusals: dict[str, str] = {}
        self._controller = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        """Answer RCPT TO for `address` with `reply` (e.g. a 4xx or 5xx line)."""
        with self.lock:
            self.refusals[address.lower()] = reply

    def accept(self, address: str) -> None:
        with self.lock:
            self.refusals.pop(address.lower(), None)

    def messages_to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.envelope_to]

    def configure(self, settings) -> None:
        """Point Django's SMTP backend at this server (pytest-django `settings`)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
