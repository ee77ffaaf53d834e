"""A print file being produced (:class:`PrintJob`) and how a finished one is recorded.

Rules kept: a file is produced as a stream of chunks; its SHA-256 and size are computed on
the way; nothing is recorded unless the last chunk was produced (a refusal raised by the
record step, e.g. the ledger changed meanwhile, records nothing); the row in ``print_file``
and the audit event carry the same SHA-256, and the books the file holds are listed in
``print_file_book``. The file may be produced in a transaction that only reads and recorded
in another (the job worker: on SQLite producing a large file holds no write lock); the
record step then checks again what the file holds. The caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import insert
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.models import Batch, PrintFile, PrintFileBook
from voucher.db.queries import printing as print_queries
from voucher.domain.calendar import utcnow
from voucher.services import audit
from voucher.services.context import Actor

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PrintResult:
    kind: str
    batch_id: int
    media_type: str
    filename: str
    sha256: str
    size_bytes: int
    books: int
    vouchers: int
    print_file_id: int


#: records a finished file (its SHA-256 and size) in the session given
Recorder = Callable[[Session, str, int], PrintResult]


class PrintJob:
    """A file being produced. Iterate :meth:`chunks` (or call :meth:`write_to`): once the
    last chunk is out, the file is recorded in the session it was produced in and
    :attr:`result` is set. The job worker produces it in a transaction that only reads
    (``chunks(record=False)``), then :meth:`record` s it in one that writes."""

    def __init__(
        self,
        *,
        session: Session,
        media_type: str,
        filename: str,
        books: int,
        vouchers: int,
        produce: Callable[[], Iterator[bytes]],
        record: Recorder,
        left_out: dict[str, int] | None = None,
    ) -> None:
        self.media_type, self.filename = media_type, filename
        self.books, self.vouchers = books, vouchers
        #: books of the batch not printed, by status (replaced, lost, stolen, expired)
        self.left_out = left_out or {}
        self._session, self._produce, self._record = session, produce, record
        self._produced: tuple[str, int] | None = None
        self.result: PrintResult | None = None

    def chunks(self, *, record: bool = True) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for chunk in self._produce():
            if chunk:
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        self._produced = (digest.hexdigest(), size)
        if record:
            self.record(self._session)

    def record(self, session: Session) -> PrintResult:
        """Record the file produced (its last chunk out) in ``session``; a refusal (the
        ledger changed meanwhile) records nothing."""
        if self._produced is None:
            raise RuntimeError("a print file is recorded once its last chunk is produced")
        self.result = self._record(session, *self._produced)
        faults.point("print.file_recorded")
        return self.result

    def write_to(self, out: BinaryIO) -> PrintResult:
        for chunk in self.chunks():
            out.write(chunk)
        assert self.result is not None
        return self.result


def file_recorder(
    actor: Actor,
    batch: Batch,
    *,
    kind: str,
    media_type: str,
    filename: str,
    books: int,
    vouchers: int,
    qr: bool = False,
    book_id: int | None = None,
    proof_id: int | None = None,
    serials: list[int] | None = None,
    **details: Any,
) -> Recorder:
    """Records a finished file; ``serials`` (the books it holds, filled while it is produced)
    are listed in ``print_file_book``."""
    batch_id = batch.id  # the batch may belong to the session the file was produced in

    def record(session: Session, sha256: str, size: int) -> PrintResult:
        row = PrintFile(
            batch_id=batch_id,
            book_id=book_id,
            kind=kind,
            media_type=media_type,
            sha256=sha256,
            size_bytes=size,
            books=books,
            vouchers=vouchers,
            qr=qr,
            created_at=utcnow(),
            created_by=actor.user_id,
            proof_id=proof_id,
        )
        session.add(row)
        session.flush()
        if serials is not None:
            ids = print_queries.book_ids(session, batch_id)
            for start in range(0, len(serials), 5_000):
                session.execute(
                    insert(PrintFileBook),
                    [
                        {"print_file_id": row.id, "book_id": ids[serial]}
                        for serial in serials[start : start + 5_000]
                    ],
                )
        audit.record(
            session,
            actor,
            f"print.{kind}",
            ("batch", batch_id),
            sha256=sha256,
            size_bytes=size,
            books=books,
            vouchers=vouchers,
            media_type=media_type,
            print_file_id=row.id,
            **details,
        )
        return PrintResult(
            kind, batch_id, media_type, filename, sha256, size, books, vouchers, row.id
        )

    return record
