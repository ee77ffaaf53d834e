"""Exactly-once writes over HTTP: the Idempotency-Key orchestration.

Rules kept (see :mod:`voucher.domain.idempotency` and :mod:`voucher.services.idempotency`):

* the key is claimed first, in the request's transaction; a key already stored with the
  same fingerprint replays the stored status and body byte for byte (header
  ``Idempotent-Replayed: true``) and changes nothing; with another fingerprint it is
  refused with 422 ``idempotency_key_reused``;
* the work answers with a status and a body: a success, or a refusal it answered itself
  (the scan use case answers its refusals, already logged in the transaction): the answer is
  stored with what the work wrote, all committed together by the request wrapper (a crash
  before commit leaves neither; views answering refusals declare
  ``@writes(keep_on_refusal=True)``) — so a resend replays the same answer. Storing the
  answer is the request's last statement: on PostgreSQL it carries the ``COMMIT``
  (:func:`voucher.web.db.last_statement`);
* a refusal the work raises (a :class:`DomainError`): the whole transaction is rolled back
  (the refusal changed nothing), then the key is claimed again and the refusal stored as
  its answer (``refused`` gives that answer when the work has more to do for a refusal,
  in the new transaction: the single scan logs it). If another request stored an answer
  for the key in between, that answer is returned instead;
* throttling refusals (``too_many_attempts``, ``locked``: the scan use case's ``TRANSIENT``)
  are raised and never stored: the key stays free for a later try;
* two identical requests at once: the second's claim waits for the first's commit, then
  finds the key taken and answers with the first's stored response.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, request

from voucher.domain.errors import DomainError
from voucher.domain.idempotency import fingerprint
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.services.redemption.scan import TRANSIENT
from voucher.web.api import problems
from voucher.web.db import db, last_statement

Work = Callable[[], tuple[int, dict[str, Any]]]
Refused = Callable[[DomainError], tuple[int, dict[str, Any]]]


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def answer(status: int, text: str, *, replayed: bool = False) -> Response:
    mimetype = "application/json" if status < 400 else problems.PROBLEM_JSON
    out = Response(text, status=status, mimetype=mimetype)
    if replayed:
        out.headers["Idempotent-Replayed"] = "true"
    return out


def replay(actor: Actor, scope: str, key: str, fingerprint: str) -> Response:
    stored = store.find(db(), int(actor.organisation_id or 0), scope, key)
    if stored is None or stored.status is None or stored.body is None:
        raise DomainError("busy")  # only if the winner's row vanished: let the client resend
    if stored.fingerprint != fingerprint:
        raise DomainError("idempotency_key_reused")
    return answer(stored.status, stored.body, replayed=True)


def _claim(actor: Actor, scope: str, key: str, fingerprint: str) -> int | None:
    return store.claim(
        db(),
        organisation_id=int(actor.organisation_id or 0),
        api_key_id=actor.api_key_id,
        scope=scope,
        key=key,
        fingerprint=fingerprint,
    )


def run(
    actor: Actor,
    scope: str,
    key: str,
    fingerprint: str,
    work: Work,
    refused: Refused | None = None,
) -> Response:
    record = _claim(actor, scope, key, fingerprint)
    if record is None:
        return replay(actor, scope, key, fingerprint)
    try:
        status, payload = work()
    except DomainError as err:
        db().rollback()
        if err.code in TRANSIENT:
            raise
        return _store_refusal(actor, scope, key, fingerprint, err, refused)
    return _store(record, status, payload)


def optional(actor: Actor, scope: str, key: str | None, work: Work) -> Response:
    """A write that takes an optional ``Idempotency-Key``: without one it simply runs;
    with one, the request (its path and body) is fingerprinted and :func:`run` applies.
    Views using it declare ``@writes(keep_on_refusal=True)``: a stored refusal is kept."""
    if key is None:
        try:
            status, payload = work()
        except DomainError:
            db().rollback()
            raise
        return answer(status, dumps(payload))
    request_print = fingerprint({"path": request.path, "body": request.get_json(silent=True)})
    return run(actor, scope, key, request_print, work)


def _store(record: int, status: int, payload: dict[str, Any]) -> Response:
    """Store the answer, the request's last statement: on PostgreSQL it carries the
    request's ``COMMIT`` (:func:`voucher.web.db.last_statement`)."""
    text = dumps(payload)
    last_statement(lambda commit: store.complete(db(), record, status, text, commit=commit))
    return answer(status, text)


def _store_refusal(
    actor: Actor,
    scope: str,
    key: str,
    fingerprint: str,
    err: DomainError,
    refused: Refused | None = None,
) -> Response:
    record = _claim(actor, scope, key, fingerprint)
    if record is None:
        return replay(actor, scope, key, fingerprint)
    if refused is not None:
        return _store(record, *refused(err))
    problem = problems.of_domain(err)
    return _store(record, int(problem["status"]), problem)
