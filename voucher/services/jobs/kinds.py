"""The kinds of job, each the work of an existing service run off the request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from voucher.services.context import Actor
from voucher.services.issuance import batches
from voucher.services.jobs.jobs import Progress, kind

BATCH_ISSUE = "batch.issue"


@kind(BATCH_ISSUE)
def issue_batch(
    session: Session, actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    batch = batches.issue_batch(
        session,
        actor,
        programme_id=int(params["programme_id"]),
        prescriber_id=int(params["prescriber_id"]),
        books=int(params["books"]),
        progress=progress,
    )
    return {"batch_id": batch.id}
