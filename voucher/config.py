"""Configuration from the environment, with secrets kept in the instance folder (created
on first run, never in the database): the session secret and the pseudonymisation key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from voucher.db.engine import DEFAULT_INSTANCE, database_url
from voucher.services.mail.settings import settings


def _secret_file(folder: Path, name: str) -> bytes:
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_hex(32).encode())
        path.chmod(0o600)
    return path.read_bytes().strip()


def _mail() -> dict[str, Any]:
    """E-mail, from ``VOUCHER_MAIL_*`` and ``VOUCHER_BASE_URL`` (docs/mail.md): the worker
    and the CLI read the same variables, so these are shown here, not overridden here."""
    mail = settings()
    return {
        "MAIL_SERVER": mail.server,
        "MAIL_PORT": mail.port,
        "MAIL_SECURITY": mail.security,
        "MAIL_USERNAME": mail.username,
        "MAIL_FROM": mail.sender,
        "MAIL_FOLDER": mail.folder,
        "BASE_URL": mail.base_url,
    }


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    instance = Path(os.environ.get("VOUCHER_INSTANCE", DEFAULT_INSTANCE))
    cfg: dict[str, Any] = {
        "INSTANCE_PATH": instance,
        "DATABASE_URL": database_url(instance),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_file(instance, "secret.key").decode(),
        "PSEUDONYM_KEY": (os.environ.get("VOUCHER_PSEUDONYM_KEY") or "").encode()
        or _secret_file(instance, "pseudonym.key"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("VOUCHER_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "voucher"),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "DEMO": os.environ.get("VOUCHER_DEMO") == "1",
        #: a batch of at least this many books is issued by a job (202 + /api/v1/jobs/<id>)
        # long work from the pages inside the request, as the command line does (no worker)
        "INLINE_LONG_WORK": os.environ.get("VOUCHER_INLINE_LONG_WORK") == "1",
        "ASYNC_BATCH_BOOKS": int(os.environ.get("VOUCHER_ASYNC_BATCH_BOOKS") or 5_000),
        **_mail(),
    }
    cfg.update(overrides or {})
    return cfg
