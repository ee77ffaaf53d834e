"""The one place the funder's desk calls the printing service (issue #3): proof PDF,
proof approval, production PDF and the printer's CSV. If the printing service is not
installed, every call answers ``printing_unavailable`` (a French message on the batch
page), so the rest of the desk works without it."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from voucher.domain.errors import DomainError
from voucher.services.context import Actor

SERVICE = "voucher.services.printing"


@dataclass(frozen=True)
class Download:
    body: bytes | Iterable[bytes]
    filename: str
    mimetype: str


def _service() -> ModuleType:
    try:
        return importlib.import_module(SERVICE)
    except ImportError:
        raise DomainError("printing_unavailable") from None


def _call(name: str, *args: Any, **kwargs: Any) -> Any:
    fn = getattr(_service(), name, None)
    if fn is None:
        raise DomainError("printing_unavailable")
    return fn(*args, **kwargs)


def available() -> bool:
    try:
        _service()
    except DomainError:
        return False
    return True


def proof(session: Session, actor: Actor, batch_id: int) -> Download:
    return Download(_call("proof_pdf", session, actor, batch_id), f"lot-{batch_id}-epreuve.pdf", "application/pdf")


def approve(session: Session, actor: Actor, batch_id: int) -> None:
    _call("approve_proof", session, actor, batch_id)


def production(session: Session, actor: Actor, batch_id: int) -> Download:
    return Download(_call("production_pdf", session, actor, batch_id), f"lot-{batch_id}-production.pdf",
                    "application/pdf")


def printer_file(session: Session, actor: Actor, batch_id: int) -> Download:
    return Download(_call("printer_csv", session, actor, batch_id), f"lot-{batch_id}-imprimeur.csv",
                    "text/csv")
