"""Exactly-once writes over HTTP: the Idempotency-Key orchestration.

Rules kept (see :mod:`voucher.domain.idempotency` and :mod:`voucher.services.idempotency`):

* a stored key with the same fingerprint replays the stored status and body byte for byte
  (header ``Idempotent-Replayed: true``) and changes nothing; with another fingerprint it
  is refused with 422 ``idempotency_key_reused``;
* otherwise the key is claimed, then the work runs inside a savepoint. Success: the answer
  is stored with the effect, both committed by the request wrapper. Refusal (a
  :class:`DomainError`): the work's savepoint is rolled back (the refusal changed nothing),
  ``on_refusal`` logs it (refused-scan log, fraud counters), the refusal is stored as the
  key's answer and all of that is committed now — so a resend replays the same refusal;
* throttling answers (``TRANSIENT``) are never stored: the key stays free for a later try;
* two identical requests at once: the loser's claim waits for the winner's commit, fails
  on the unique constraint, and the loser answers with the winner's stored response.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response
from sqlalchemy.exc import IntegrityError

from voucher.domain.errors import DomainError
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.web.api import problems
from voucher.web.db import commit_now, db

TRANSIENT = frozenset({"too_many_attempts", "locked"})
Work = Callable[[], tuple[int, dict[str, Any]]]


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def answer(status: int, text: str, *, replayed: bool = False) -> Response:
    mimetype = "application/json" if status < 400 else problems.PROBLEM_JSON
    out = Response(text, status=status, mimetype=mimetype)
    if replayed:
        out.headers["Idempotent-Replayed"] = "true"
    return out


def replay(stored: store.Stored, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise DomainError("idempotency_key_reused")
    if stored.status is None or stored.body is None:  # only visible inside its own transaction
        raise DomainError("idempotency_key_reused")
    return answer(stored.status, stored.body, replayed=True)


def run(actor: Actor, scope: str, key: str, fingerprint: str, work: Work, *,
        before: Callable[[], None] | None = None,
        on_refusal: Callable[[DomainError], None] | None = None) -> Response:
    session = db()
    org = int(actor.organisation_id or 0)
    stored = store.find(session, org, scope, key)
    if stored is not None:
        return replay(stored, fingerprint)
    if before is not None:
        before()
    try:
        record = store.claim(session, organisation_id=org, api_key_id=actor.api_key_id, scope=scope,
                             key=key, fingerprint=fingerprint)
    except IntegrityError:
        session.rollback()
        stored = store.find(session, org, scope, key)
        if stored is None:
            raise
        return replay(stored, fingerprint)
    savepoint = session.begin_nested()
    try:
        status, payload = work()
        savepoint.commit()
    except DomainError as err:
        savepoint.rollback()
        if err.code in TRANSIENT:
            session.rollback()
            raise
        if on_refusal is not None:
            on_refusal(err)
        problem = problems.of_domain(err)
        text = problems.dumps(problem)
        store.complete(session, record, int(problem["status"]), text)
        commit_now()
        return answer(int(problem["status"]), text)
    text = dumps(payload)
    store.complete(session, record, status, text)
    return answer(status, text)
