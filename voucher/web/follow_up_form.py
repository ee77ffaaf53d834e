"""The follow-up form ("has the person done the procedure alone since?"), shared by the
prescriber's desk and the reception desk: the same fields, the same service, the same
refusals. A carnet the organisation may not answer for is "not yours", without saying
whether it exists."""

from __future__ import annotations

from typing import Any

from flask import request

from voucher.domain import vocab
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services.evaluation import follow_up
from voucher.web import forms
from voucher.web.auth import current_actor, current_org_id
from voucher.web.db import db

NOT_YOURS = {"not_found", "book_not_held"}


def context(action: str, back: str) -> dict[str, Any]:
    return {
        "answers": vocab.FOLLOW_UP,
        "today": paris_date(utcnow()).isoformat(),
        "action": action,
        "back": back,
    }


def submit(role: str) -> int:
    """Record the posted answer for this organisation; the carnet's serial, or a refusal."""
    try:
        serial = forms.need_int("serial", minimum=1)
        follow_up.record(
            db(),
            current_actor(),
            serial=serial,
            organisation_id=current_org_id(),
            role=role,
            answer=forms.text("answer", max_len=30),
            observed_on=forms.need_day("observed_on"),
            moment="avant" if request.form.get("moment") == "avant" else "apres",
        )
    except DomainError as exc:
        if exc.code in NOT_YOURS:
            raise DomainError(
                "book_not_held",
                "Ce carnet n'a pas été remis par votre organisation, ni utilisé dans votre lieu.",
                field="serial",
            ) from None
        raise
    return serial
