"""The one place the funder's desk calls the printing service
(:mod:`voucher.services.printing.production`): proof PDF, proof approval, production file and the printer's CSV.

The service checks access and approval when the job is made (a refusal is a French page,
not a broken download), then produces the file as a stream of chunks and records it (with
its SHA-256, audited) once the last chunk is out. Here the chunks go to a spooled
temporary file (memory up to :data:`SPOOL_BYTES`, then disk: memory stays flat whatever
the batch), inside the request, so the record is committed by the request wrapper with
nothing else; only then is the file streamed to the browser. The database transaction
never waits on the network: a slow or stalled download holds no lock (on SQLite a held
transaction would stop every scan).
If the printing service is not installed, every call answers ``printing_unavailable``.
"""

from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass
from types import ModuleType
from typing import IO, Any

from sqlalchemy.orm import Session

from voucher.domain.errors import DomainError
from voucher.services.context import Actor

SERVICE = "voucher.services.printing.production"
APPROVAL = "voucher.services.printing.approval"
JOBS = {"proof": "proof", "production": "production", "csv": "printer_csv"}
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Download:
    body: IO[bytes]
    filename: str
    mimetype: str


def _service(module: str = SERVICE) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DomainError("printing_unavailable") from None


def _call(name: str, *args: Any, module: str = SERVICE, **kwargs: Any) -> Any:
    fn = getattr(_service(module), name, None)
    if fn is None:
        raise DomainError("printing_unavailable")
    return fn(*args, **kwargs)


def available() -> bool:
    try:
        _service()
    except DomainError:
        return False
    return True


def _download(kind: str, session: Session, actor: Actor, batch_id: int) -> Download:
    job = _call(JOBS[kind], session, actor, batch_id)  # refusals are raised here, before any byte
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the response
    try:
        for chunk in job.chunks():
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return Download(spool, job.filename, job.media_type)


def proof(session: Session, actor: Actor, batch_id: int) -> Download:
    return _download("proof", session, actor, batch_id)


def approve(session: Session, actor: Actor, batch_id: int, sha256: str) -> None:
    """Approve the proof the person read, named by its SHA-256 (the one the page showed)."""
    _call("approve_proof", session, actor, batch_id, sha256, module=APPROVAL)


def latest_proof(session: Session, batch_id: int) -> Any:
    """The batch's latest proof (SHA-256, time, QR, approval time), or None."""
    try:
        return _call("proof_state", session, batch_id, module=APPROVAL)
    except DomainError:
        return None


def production(session: Session, actor: Actor, batch_id: int) -> Download:
    return _download("production", session, actor, batch_id)


def check_production(session: Session, actor: Actor, batch_id: int) -> None:
    """Refuse now what the production job would refuse (access, no approved proof); the
    file itself is produced by the job."""
    _call(JOBS["production"], session, actor, batch_id)


def printer_file(session: Session, actor: Actor, batch_id: int) -> Download:
    return _download("csv", session, actor, batch_id)
