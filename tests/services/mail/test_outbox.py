"""The outbox: a message recorded with the work leaves after commit only, reaches a real
SMTP server with a French text part, is retried with backoff when refused and given up
after the last try; without a server it is an .eml file; a dedupe key records it once."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from tests.mailbox import Mailbox
from voucher.db.engine import unit_of_work
from voucher.db.models import MailMessage
from voucher.domain import mail
from voucher.domain.calendar import utcnow
from voucher.services.jobs import worker
from voucher.services.mail import outbox
from voucher.services.mail.settings import settings

BODY = "Bonjour,\n\nVotre relevé est émis : 12,50 €.\n"


def test_a_recorded_message_reaches_the_smtp_server_after_commit(fresh_engine, smtp):
    with unit_of_work(fresh_engine) as s:
        row = outbox.record(s, "statement_issued", "lieu@exemple.test", "Relevé émis", BODY)
        assert row is not None
        assert s.info[outbox.QUEUED] is True
    assert smtp.messages == []  # recorded, not sent: nothing leaves from the transaction
    assert worker.deliver_mail(eng=fresh_engine) == 1
    [got] = smtp.to("lieu@exemple.test")
    assert got["Subject"] == "Relevé émis"
    assert "12,50 €" in Mailbox.text(got)
    assert got["Auto-Submitted"] == "auto-generated"
    with unit_of_work(fresh_engine) as s:
        sent = s.scalars(select(MailMessage)).one()
        assert (sent.status, sent.attempts, sent.kind) == ("sent", 1, "statement_issued")
    assert worker.deliver_mail(eng=fresh_engine) == 0  # sent once, never again


def test_work_rolled_back_sends_nothing(fresh_engine, smtp):
    with pytest.raises(RuntimeError), unit_of_work(fresh_engine) as s:
        outbox.record(s, "statement_issued", "lieu@exemple.test", "Relevé émis", BODY)
        raise RuntimeError("the work failed after the message was recorded")
    assert worker.deliver_mail(eng=fresh_engine) == 0
    assert smtp.messages == []


def _recorded(eng, subject: str = "Tâche") -> int:
    with unit_of_work(eng) as s:
        row = outbox.record(s, "job_finished", "moi@exemple.test", subject, BODY)
        assert row is not None
        return row.id


def _row(eng, message_id: int) -> MailMessage:
    with unit_of_work(eng) as s:
        row = s.get(MailMessage, message_id)
        assert row is not None
        return row


def _due(eng, now) -> list[int]:
    with unit_of_work(eng) as s:
        return outbox.due_ids(s, now)


def test_a_refused_message_is_retried_with_backoff_then_failed(fresh_engine, smtp):
    cfg = settings()
    message_id = _recorded(fresh_engine)
    smtp.refuse = True
    now = utcnow()
    assert outbox.deliver_one(fresh_engine, message_id, now, cfg) == "pending"
    row = _row(fresh_engine, message_id)
    assert row.attempts == 1 and "554" in (row.last_error or "")
    assert row.next_attempt_at == now + mail.BACKOFF[0]
    assert _due(fresh_engine, now) == []  # not before its time
    assert outbox.deliver_one(fresh_engine, message_id, now, cfg) is None  # not due: untouched
    for attempt in range(2, mail.MAX_ATTEMPTS):
        now = _row(fresh_engine, message_id).next_attempt_at
        assert _due(fresh_engine, now) == [message_id]
        assert outbox.deliver_one(fresh_engine, message_id, now, cfg) == "pending"
        assert _row(fresh_engine, message_id).attempts == attempt
    last = _row(fresh_engine, message_id).next_attempt_at
    assert outbox.deliver_one(fresh_engine, message_id, last, cfg) == "failed"
    row = _row(fresh_engine, message_id)
    assert row.attempts == mail.MAX_ATTEMPTS and row.next_attempt_at is None
    smtp.refuse = False
    assert _due(fresh_engine, now + timedelta(days=2)) == []
    assert smtp.messages == []


def test_an_unreachable_server_is_an_attempt_not_a_crash(fresh_engine, smtp, monkeypatch):
    message_id = _recorded(fresh_engine)
    from tests.mailbox import free_port

    monkeypatch.setenv("VOUCHER_MAIL_PORT", str(free_port()))  # nobody listens there
    assert outbox.deliver_one(fresh_engine, message_id, utcnow(), settings()) == "pending"
    row = _row(fresh_engine, message_id)
    assert row.last_error and row.attempts == 1


def test_without_a_server_messages_are_eml_files(fresh_engine, monkeypatch, tmp_path):
    monkeypatch.delenv("VOUCHER_MAIL_SERVER", raising=False)
    monkeypatch.setenv("VOUCHER_MAIL_FOLDER", str(tmp_path / "mail"))
    message_id = _recorded(fresh_engine, "Tâche terminée")
    assert outbox.deliver_one(fresh_engine, message_id, utcnow(), settings()) == "sent"
    [path] = (tmp_path / "mail").glob("*.eml")
    opened = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert opened["Subject"] == "Tâche terminée" and opened["To"] == "moi@exemple.test"
    assert "12,50 €" in opened.get_body(preferencelist=("plain",)).get_content()
    assert not list((tmp_path / "mail").glob("*.part"))


def test_a_dedupe_key_records_a_message_once(session, smtp):
    first = outbox.record(session, "label_reminder", "a@exemple.test", "S", BODY, dedupe_key="k1")
    again = outbox.record(session, "label_reminder", "a@exemple.test", "S", BODY, dedupe_key="k1")
    assert first is not None and again is None


def test_a_header_injection_in_the_address_is_refused(session, smtp):
    with pytest.raises(ValueError):
        outbox.record(session, "job_finished", "a@exemple.test\r\nBcc: x@evil.test", "S", BODY)
