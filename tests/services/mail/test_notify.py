"""Notifications reach the people concerned, not the others, only while they want them:
a held scan tells its programme's funder people, a statement its structure's people, a
rejected transfer the structure and the operator's finance, a finished job its starter,
vouchers expiring the prescriber people holding carnets not handed out (once)."""

from __future__ import annotations

from datetime import date

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests import factories as f
from tests.mailbox import Mailbox
from tests.services.redemption import fraud_world as fw
from voucher.db.models import MailMessage, User
from voucher.services.access import people
from voucher.services.mail import notify, preferences, transport
from voucher.services.webhooks import events


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    monkeypatch.setattr(
        people, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def person(session, org_id: int, role: str) -> User:
    actor = fw.person(session, org_id, role)
    user = session.get(User, actor.user_id)
    assert user is not None
    return user


def mails(session, kind: str) -> list[tuple[str, str]]:
    return [
        (to, Mailbox.text(transport.parse(raw)))
        for to, raw in session.execute(
            select(MailMessage.to_addr, MailMessage.raw)
            .where(MailMessage.kind == kind)
            .order_by(MailMessage.id)
        )
    ]


def test_a_held_scan_tells_the_funder_people_of_its_programme_only(session, smtp):
    w = fw.world(session, handout_policy="hold")
    funder_a, funder_b = (
        person(session, w.funder_a.id, "funder"),
        person(session, w.funder_b.id, "funder"),
    )
    elsewhere = person(session, f.funder(session, "Autre financeur").id, "funder")
    quiet = person(session, w.funder_a.id, "funder")
    preferences.choose(session, f.ACTOR, quiet.id, set())  # turned everything off
    assert fw.scan(session, w, fw.codes(session, fw.serial(w))[0]).status == "held"
    got = mails(session, "hold_to_review")
    assert sorted(to for to, _ in got) == sorted([funder_a.email, funder_b.email])
    assert elsewhere.email not in {to for to, _ in got}
    assert "https://pass.exemple.test/revue" in got[0][1]


def test_a_statement_tells_its_structure_people_and_not_another_structure(session, smtp):
    w = f.world(session, books=1)
    mine = person(session, w.structure.id, "reception")
    other = person(session, f.structure(session, "Autre lieu").id, "reception")
    data = {
        "number": "R-2026-000001",
        "period": "2026-05",
        "structure_id": w.structure.id,
        "total_cents": 1250,
        "lines": 1,
    }
    events.emit(session, "statement.issued", data, [w.structure.id])
    got = mails(session, "statement_issued")
    assert [to for to, _ in got] == [mine.email] and other.email != mine.email
    assert "R-2026-000001" in got[0][1] and "/lieu/releves" in got[0][1]


def test_a_rejected_transfer_tells_the_structure_and_the_operator_finance(session, smtp):
    w = f.world(session, books=1)
    place = person(session, w.structure.id, "reception")
    finance = person(session, fw.operator(session), "finance")
    funder_finance = person(session, w.funder_a.id, "finance")
    data = {
        "transfer_id": 1,
        "statement": "R-2026-000002",
        "structure_id": w.structure.id,
        "amount_cents": 5000,
        "outcome": "rejected",
        "reason": "AC04",
    }
    events.emit(session, "transfer.rejected", data, [w.structure.id])
    got = [to for to, _ in mails(session, "transfer_rejected")]
    assert sorted(got) == sorted([place.email, finance.email])
    assert funder_finance.email not in got


def test_a_finished_job_tells_who_started_it_unless_turned_off(session, smtp):
    w = f.world(session, books=1)
    starter = person(session, w.funder_a.id, "funder")
    assert notify.job_finished(session, starter.id, 41, "batch.issue", "done") == 1
    preferences.choose(session, f.ACTOR, starter.id, {"statement_issued"})
    assert notify.job_finished(session, starter.id, 42, "batch.issue", "done") == 0
    [(to, raw)] = mails(session, "job_finished")
    assert to == starter.email and "/taches/41" in raw


def test_vouchers_expiring_tell_the_prescriber_once(session, smtp):
    w = f.world(session, books=2, valid_until=date(2026, 6, 30))
    prescriber = person(session, w.prescriber.id, "prescriber")
    assert notify.expiry_soon(session, date(2026, 5, 1)) == 0  # 60 days ahead: not yet
    assert notify.expiry_soon(session, date(2026, 6, 1)) == 1
    assert notify.expiry_soon(session, date(2026, 6, 2)) == 0  # a rerun: nothing new
    [(to, raw)] = mails(session, "expiry_soon")
    assert to == prescriber.email and "30/06/2026" in raw


def test_an_unknown_notification_is_refused(session):
    w = f.world(session, books=1)
    user = person(session, w.funder_a.id, "funder")
    from voucher.domain.errors import DomainError

    with pytest.raises(DomainError) as refused:
        preferences.choose(session, f.ACTOR, user.id, {"everything"})
    assert refused.value.code == "unknown_notification"


def test_a_month_close_mails_each_structure_its_own_statement(session, smtp):
    from tests.services.finance import finance_world as finw
    from tests.services.finance.test_close import close

    w = finw.world(session, structures=2)
    finw.scan(session, w, finw.paris(2026, 3, 2), structure=0)
    finw.scan(session, w, finw.paris(2026, 3, 9), structure=1)
    first = person(session, w.structures[0].id, "reception")
    second = person(session, w.structures[1].id, "reception")
    preferences.choose(session, f.ACTOR, second.id, set())
    result = close(session, 2026, 3)
    mine = next(s for s in result.created if s.structure_id == w.structures[0].id)
    [(to, text)] = mails(session, "statement_issued")
    assert to == first.email and mine.number in text


def test_a_bank_file_rejecting_a_transfer_mails_the_place_and_the_operator_finance(session, smtp):
    from tests.documents import camt_files as cf
    from tests.services.finance.test_settlement import sent, settle
    from voucher.db.models import PaymentTransfer, Statement

    [t] = sent(session, structures=1)
    transfer = session.get(PaymentTransfer, t.id)
    structure = session.get(Statement, transfer.statement_id).structure_id
    place = person(session, structure, "reception")
    finance = person(session, fw.operator(session), "finance")
    line = cf.Line(t.amount_cents, "CRDT", t.end_to_end_id, t.iban, return_reason="AC04")
    settle(session, cf.camt053([line]))
    got = dict(mails(session, "transfer_rejected"))
    assert set(got) == {place.email, finance.email}
    assert "/lieu/releves" in got[place.email] and "/finance/banque" in got[finance.email]
    assert "AC04" in got[place.email]
