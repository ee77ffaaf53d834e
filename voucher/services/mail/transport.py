"""Handing a message over: to the SMTP server configured, or, with none (the demo), to a
``.eml`` file in the mail folder (any mail program opens it). Raises ``OSError`` or
``smtplib.SMTPException`` when the server does not take it."""

from __future__ import annotations

import smtplib
import ssl
from email import message_from_string, policy
from email.message import EmailMessage
from typing import cast

from voucher.services.mail.settings import Settings

TIMEOUT = 20.0


def parse(raw: str) -> EmailMessage:
    return cast(EmailMessage, message_from_string(raw, policy=policy.SMTP))


def send(cfg: Settings, raw: str, message_id: int) -> None:
    message = parse(raw)
    if cfg.server is None:
        cfg.folder.mkdir(parents=True, exist_ok=True)
        path = cfg.folder / f"{message_id:06d}.eml"
        partial = path.with_suffix(".part")
        partial.write_bytes(message.as_bytes())
        partial.replace(path)  # a crash never leaves half a message under its name
        return
    if cfg.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg.server, cfg.port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(cfg.server, cfg.port, timeout=TIMEOUT)
    with server:
        if cfg.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if cfg.username:
            server.login(cfg.username, cfg.password or "")
        server.send_message(message)
