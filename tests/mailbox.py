"""A real SMTP server on loopback (aiosmtpd) whose received messages tests read, and the
settings that point the mailer at it (or at a folder)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller

from voucher.services.mail.settings import Settings


@dataclass
class Mailbox:
    """What the server accepted; ``refuse`` makes it answer 554 to every message."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return "554 5.7.1 refusé par le serveur de test"
        parsed = cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, "no text part"
        return str(part.get_content())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(box: Mailbox) -> Controller:
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def settings_for(port: int, folder: Path, base_url: str = "https://pass.exemple.test") -> Settings:
    return Settings(
        server="127.0.0.1",
        port=port,
        security="none",
        username=None,
        password=None,
        sender="Pass numérique <ne-pas-repondre@pass.exemple.test>",
        folder=folder,
        base_url=base_url,
    )


def environment(port: int, base_url: str = "https://pass.exemple.test") -> dict[str, str]:
    """The variables that point the web app, the CLI and the worker at the server."""
    return {
        "VOUCHER_MAIL_SERVER": "127.0.0.1",
        "VOUCHER_MAIL_PORT": str(port),
        "VOUCHER_MAIL_SECURITY": "none",
        "VOUCHER_MAIL_FROM": "Pass numérique <ne-pas-repondre@pass.exemple.test>",
        "VOUCHER_BASE_URL": base_url,
    }
