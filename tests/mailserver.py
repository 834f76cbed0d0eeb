"""A real SMTP server on a free loopback port, for the tests of what the app sends by e-mail.

    with smtp_server() as server:
        app.config.update(server.config)       # ANTHOLOGIE_MAIL_* pointing at it
        ...
        [message] = server.messages            # email.message.EmailMessage objects

`mail_server` is the pytest fixture around it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the server received: each message parsed, with the envelope's recipients."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    # Addresses the server refuses (550), as a mailbox that does not exist.
    refused: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    @property
    def config(self) -> dict[str, Any]:
        """App settings that send through this server (no TLS, no login)."""
        return {
            "MAIL_HOST": self.host,
            "MAIL_PORT": self.port,
            "MAIL_FROM": "Anthologie <anthologie@example.org>",
            "MAIL_TLS": "",
            "MAIL_TIMEOUT": 5,
        }

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope names `address`."""
        with self.lock:
            return [
                m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
            ]


def body(message: EmailMessage, subtype: str) -> str:
    """The text/plain or text/html part of a message, decoded."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox("127.0.0.1", free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_server() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox
