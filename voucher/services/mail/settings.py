"""Mail settings, from the environment (the web app, the CLI and the job worker read the
same ones; ``voucher.config`` shows them as ``MAIL_*``):

``VOUCHER_MAIL_SERVER`` (none: messages are written to ``VOUCHER_MAIL_FOLDER``, default
``instance/mail/``), ``VOUCHER_MAIL_PORT`` (587), ``VOUCHER_MAIL_SECURITY`` (``starttls``,
``ssl`` or ``none``), ``VOUCHER_MAIL_USERNAME``, ``VOUCHER_MAIL_PASSWORD``,
``VOUCHER_MAIL_FROM``, and ``VOUCHER_BASE_URL``, the address people open the links at
(never taken from a request: a forged ``Host`` must not choose where a reset link points).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voucher.db.engine import DEFAULT_INSTANCE


@dataclass(frozen=True)
class Settings:
    server: str | None
    port: int
    security: str
    username: str | None
    password: str | None
    sender: str
    folder: Path
    base_url: str

    def link(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def settings() -> Settings:
    env = os.environ.get
    instance = Path(env("VOUCHER_INSTANCE") or DEFAULT_INSTANCE)
    return Settings(
        server=env("VOUCHER_MAIL_SERVER") or None,
        port=int(env("VOUCHER_MAIL_PORT") or 587),
        security=(env("VOUCHER_MAIL_SECURITY") or "starttls").lower(),
        username=env("VOUCHER_MAIL_USERNAME") or None,
        password=env("VOUCHER_MAIL_PASSWORD") or None,
        sender=env("VOUCHER_MAIL_FROM") or "Pass numérique <ne-pas-repondre@localhost>",
        folder=Path(env("VOUCHER_MAIL_FOLDER") or instance / "mail"),
        base_url=env("VOUCHER_BASE_URL") or "http://127.0.0.1:8000",
    )
