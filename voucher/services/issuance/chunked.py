"""A large batch issued by its job in chunks, each chunk its own short transaction, so that
desks keep scanning meanwhile (SQLite has one writer; a single huge transaction also weighs
on PostgreSQL). The whole-batch path, one transaction, stays :func:`.batches.issue_batch`.

Rules kept:

* :func:`start` records the batch ``issuing``, its serial range reserved and nothing else
  (no book, no entry): refused as :func:`.batches.issue_batch` refuses;
* :func:`write_chunk` locks the batch row, counts the books already written (the chunk's
  start is read, never remembered: a worker killed and restarted, or two workers on one
  job, write each book once), writes the next books and vouchers and posts their value in
  one balanced entry (``issued`` debit / ``commitment`` credit): committed, every chunk is
  balanced on its own and the audit is green between two chunks;
* :func:`finish` turns the batch ``issued`` once all its books are written and records the
  audit event, in the transaction that records the job done. Until then the batch cannot
  be activated or printed (``batch_issuing``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Book
from voucher.domain.calendar import utcnow
from voucher.domain.states import BatchStatus
from voucher.services.context import Actor
from voucher.services.issuance import batches

#: books per transaction unless ``VOUCHER_ISSUE_CHUNK_BOOKS`` says otherwise
CHUNK_BOOKS = 250
#: after each chunk the job pauses for this share of the time the chunk took (at most
#: ``MAX_PAUSE`` seconds): the desks that waited for it write first. SQLite's waiting
#: writers retry every few tens of milliseconds; a job taking the lock again at once would
#: starve them. The job is at most a fifth slower.
PAUSE_SHARE = 0.25
MAX_PAUSE = 0.5


def pause(chunk_seconds: float) -> float:
    return min(MAX_PAUSE, max(0.0, chunk_seconds) * PAUSE_SHARE)


def start(
    session: Session, actor: Actor, *, programme_id: int, prescriber_id: int, books: int
) -> Batch:
    return batches.new_batch(
        session,
        actor,
        programme_id=programme_id,
        prescriber_id=prescriber_id,
        books=books,
        status=BatchStatus.ISSUING,
    )


def written(session: Session, batch_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Book).where(Book.batch_id == batch_id)) or 0
    )


def write_chunk(session: Session, actor: Actor, batch_id: int, size: int) -> int:
    """Write up to ``size`` more books of the batch; answer how many are written now."""
    batch = batches.get_batch(session, batch_id, lock=True)
    done = written(session, batch_id)
    if batch.status != BatchStatus.ISSUING or done >= batch.books_count:
        return done
    count = min(max(1, size), batch.books_count - done)
    first = batch.first_serial + done
    batches.write_books_and_vouchers(
        session,
        batch,
        first,
        count,
        batch.vouchers_per_book,
        batch.face_value_cents,
        utcnow(),
        None,
    )
    entry = batches.post_issue(
        session, actor, batch, count, memo=f", carnets {first} à {first + count - 1}"
    )
    if batch.issue_entry_id is None:  # the batch's first entry; the others follow it
        batch.issue_entry_id = entry
    return done + count


def finish(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch ``issued`` once every book is written (it already was: left alone)."""
    batch = batches.get_batch(session, batch_id, lock=True)
    if batch.status != BatchStatus.ISSUING:
        return batch
    done = written(session, batch_id)
    if done != batch.books_count:  # never: the job writes every chunk before it finishes
        raise RuntimeError(f"batch {batch_id}: {done} books of {batch.books_count} written")
    batch.status = BatchStatus.ISSUED
    batches.record_issue(session, actor, batch)
    return batch
