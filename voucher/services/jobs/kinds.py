"""The kinds of job, each the work of an existing service run off the request: a large
batch issued, a month closed, a payment run (its SEPA file), a batch's production print
file, and the exports (impact figures and the evaluator package, the FEC). docs/jobs.md
lists them with their pages and endpoints.

A large batch is issued in chunks, each its own transaction (:func:`issue_batch_chunks`,
then :func:`issue_batch` with the job done): desks keep scanning meanwhile, and a worker
killed half-way is resumed from the last chunk committed.

Each kind reports its progress as it goes (``progress(done, total)``) and answers what it
produced (``job.result``): an object's id, and for a file, the file written to the job's
result folder (:mod:`.results`).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.engine import unit_of_work
from voucher.db.models import Job
from voucher.documents import fec
from voucher.documents.impact.writers import EXTENSIONS, MEDIA_TYPES
from voucher.domain import accounting as accounting_rules
from voucher.domain import finance as finance_rules
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import accounting, close, payments, settings
from voucher.services.finance.scope import finance_scope
from voucher.services.impact import counts, release
from voucher.services.impact import export as impact_export
from voucher.services.issuance import chunked
from voucher.services.jobs import jobs, results
from voucher.services.jobs.jobs import Progress, kind, reading, staged

BATCH_ISSUE = "batch.issue"
MONTH_CLOSE = "month.close"
PAYMENT_RUN = "payment.run"
PRINT_PRODUCTION = "print.production"
IMPACT_EXPORT = "export.impact"
FEC_EXPORT = "export.fec"
PRINTING = "voucher.services.printing.production"
IMPACT_STEPS = 3  # figures, protection, writing


def _steps(progress: Progress, total: int) -> Callable[..., None]:
    """A service that says its steps (``say("…")``) as done / total steps."""
    done = [0]

    def say(*_: Any) -> None:
        done[0] = min(done[0] + 1, total)
        progress(done[0], total)

    return say


def chunk_books() -> int:
    """Books written per transaction by a batch's job (``VOUCHER_ISSUE_CHUNK_BOOKS``)."""
    typed = os.environ.get("VOUCHER_ISSUE_CHUNK_BOOKS") or ""
    return max(1, int(typed)) if typed.isdigit() else chunked.CHUNK_BOOKS


@staged(BATCH_ISSUE)
def issue_batch_chunks(
    eng: Engine, job_id: int, actor: Actor, params: dict[str, Any], progress: Progress
) -> None:
    """The batch recorded (``issuing``, once: its id kept in the job's parameters), then its
    books chunk by chunk, each chunk committed with the job's progress."""
    with unit_of_work(eng) as session:
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one()
        if job.state in (jobs.DONE, jobs.FAILED):
            return
        batch_id = job.params.get("batch_id")
        if batch_id is None:
            batch_id = chunked.start(
                session,
                actor,
                programme_id=int(params["programme_id"]),
                prescriber_id=int(params["prescriber_id"]),
                books=int(params["books"]),
            ).id
            job.params = {**job.params, "batch_id": batch_id}
    total, size = int(params["books"]), chunk_books()
    while True:
        began = time.monotonic()
        with unit_of_work(eng) as session:
            done = chunked.write_chunk(session, actor, int(batch_id), size)
            session.execute(update(Job).where(Job.id == job_id).values(progress_done=done))
        progress(done, total)
        if done >= total:
            return
        faults.point("issue.chunk_committed")  # between two chunks: no transaction open
        time.sleep(chunked.pause(time.monotonic() - began))  # the desks waiting go first


@kind(BATCH_ISSUE)
def issue_batch(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """After the chunks (:func:`issue_batch_chunks`): the batch ``issued``, with the job done."""
    batch = chunked.finish(session, actor, int(params["batch_id"]))
    return {"batch_id": batch.id}


@kind(MONTH_CLOSE)
def close_month(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    period = finance_rules.Period.parse(str(params["period"]))
    progress(0, len(close.STEPS))
    done = close.close_month(session, actor, period, progress=_steps(progress, len(close.STEPS)))
    return {"period": str(period), "created": len(done.created), "blocked": len(done.blocked)}


@kind(PAYMENT_RUN)
def payment_run(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    progress(0, 1)
    typed = params.get("execution_date")
    run = payments.create_run(
        session,
        actor,
        debtor=settings.debtor(),
        version=str(params["version"]),
        execution_date=date.fromisoformat(typed) if typed else None,
    )
    progress(1, 1)
    return {"payment_run_id": run.run_id, "transfers": len(run.included)}


@reading(PRINT_PRODUCTION)
def print_production_file(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """The production file written to the job's results, read in a transaction that only
    reads (the file of a large batch takes minutes: desks keep scanning meanwhile)."""
    try:
        service = importlib.import_module(PRINTING)
    except ImportError:
        raise DomainError("printing_unavailable") from None
    books = [0]

    def one_more(step: int = 1) -> None:
        books[0] += step
        progress(books[0])

    job = service.production(session, actor, int(params["batch_id"]), progress=one_more)
    progress(0, job.books)
    produced = job.chunks(record=False)  # recorded by the last transaction
    written = results.write(int(params["job_id"]), job.filename, job.media_type, produced)
    return {"job": job, "written": written}


@kind(PRINT_PRODUCTION)
def print_production(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """The file recorded, once checked again (its books still the batch's books in
    circulation, all unused: else ``print_ledger_changed``), with the job done."""
    read = params["read"]
    read["job"].record(session)
    return {**read["written"], "batch_id": int(params["batch_id"]), "books": read["job"].books}


@reading(IMPACT_EXPORT)
def impact_file(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    fmt = str(params["format"])
    if fmt not in EXTENSIONS:
        raise DomainError("invalid_value", field="format")
    wanted = params.get("programme")
    scope = counts.scope_for(session, actor).narrowed(wanted)
    rel = release.latest(session)
    if rel is None:
        raise DomainError("release_none")
    report = release.one_programme(rel, int(wanted)) if wanted else release.report_for(rel, scope)
    if report is None:
        raise DomainError("not_found")
    progress(0, IMPACT_STEPS)
    name = f"impact-{paris_date(utcnow()).isoformat()}.{EXTENSIONS[fmt]}"
    writer = results.Writer(int(params["job_id"]), name, MEDIA_TYPES[fmt])
    with writer as out:
        impact_export.export(
            session,
            report,
            fmt,
            out,
            release=rel.number,
            scope=scope,
            progress=_steps(progress, IMPACT_STEPS),
        )
    return {"file": writer.result, "report": report, "format": fmt, "release": rel.number}


@kind(IMPACT_EXPORT)
def impact_recorded(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """The export written (:func:`impact_file`, reading only), audited with the job done."""
    read = params["read"]
    impact_export.audited(session, actor, read["report"], read["format"], read["release"])
    result: dict[str, Any] = read["file"]
    return result


@reading(FEC_EXPORT)
def fec_file(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    if not finance_scope(session, actor).everything:
        raise DomainError("journal_scope")
    span = accounting.Span(date.fromisoformat(params["first"]), date.fromisoformat(params["last"]))
    separator = fec.SEPARATORS.get(str(params.get("separator") or "pipe"), "|")
    siren = settings.siren_override() or accounting.operator_siren(session)
    name = accounting_rules.file_name(siren, span.last) + ".txt"
    rows = accounting.fec_rows(session, span, settings.fec_mapping())
    lines = [0]

    def encoded() -> Any:
        for line in fec.lines(rows, separator):
            lines[0] += 1
            if lines[0] % 1000 == 0:
                progress(lines[0])
            yield line.encode()

    written = results.write(int(params["job_id"]), name, "text/plain; charset=utf-8", encoded())
    progress(lines[0], lines[0])
    return {**written, "lines": lines[0]}


@kind(FEC_EXPORT)
def fec_done(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """The FEC written (:func:`fec_file`, reading only): the job done, nothing else to record."""
    result: dict[str, Any] = params["read"]
    return result
