"""The eligibility questionnaire the operator configures: add a question, retire one.
A retired question leaves the answers already given untouched (each file keeps the
question's text as it was asked). Changes are audited."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import EligibilityQuestion
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor


def add_question(
    session: Session, actor: Actor, text: str, expected: str = "oui"
) -> EligibilityQuestion:
    clean = " ".join((text or "").split())
    if not 5 <= len(clean) <= 300:
        raise DomainError(
            "invalid_value", "Question vide ou trop longue (300 caractères).", field="text"
        )
    if expected not in ("oui", "non"):
        raise DomainError("invalid_value", "Réponse attendue : oui ou non.", field="expected")
    last = session.scalar(select(func.max(EligibilityQuestion.position))) or 0
    question = EligibilityQuestion(position=last + 1, text=clean, expected=expected, active=True)
    session.add(question)
    session.flush()
    audit.record(
        session, actor, "eligibility.add", ("eligibility_question", question.id), text=clean
    )
    return question


def retire_question(session: Session, actor: Actor, question_id: int) -> EligibilityQuestion:
    question = session.get(EligibilityQuestion, question_id)
    if question is None or not question.active:
        raise DomainError("not_found", object="question")
    question.active = False
    session.flush()
    audit.record(session, actor, "eligibility.retire", ("eligibility_question", question.id))
    return question
