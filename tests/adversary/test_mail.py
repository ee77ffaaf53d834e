"""E-mail as the unlucky see it: a place whose label lapses hears of it at the loopback
SMTP server, once per threshold however often the reminders run, and is refused at the
desk after its last day; work rolled back (a held scan that then fails) sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import select

from tests.mailbox import Mailbox
from tests.services.places.test_label_dates import validated_place
from tests.services.redemption import fraud_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import MailMessage
from voucher.domain.calendar import at as calendar_at
from voucher.domain.calendar import utcnow
from voucher.services.access import people
from voucher.services.jobs import worker
from voucher.services.mail import outbox
from voucher.services.mail.settings import settings
from voucher.services.organisations import label_reminders
from voucher.services.redemption import redeem


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    monkeypatch.setattr(
        people, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def send_all(session) -> None:
    """The worker's three steps in the test's one transaction (nothing here is committed)."""
    for message_id in outbox.due_ids(session, utcnow()):
        claimed = outbox.claim(session, message_id, utcnow())
        assert claimed is not None
        outbox.finish(session, claimed, utcnow(), outbox.attempt(claimed, settings()))


def test_a_lapsing_label_reminds_once_per_threshold_then_refuses_scans(session, smtp, tmp_path):
    w = fw.world(session)
    org = validated_place(session, tmp_path, date(2026, 1, 10))
    assert label_reminders.record_due(session, date(2026, 11, 1)) == 0  # too early
    assert label_reminders.record_due(session, date(2026, 12, 10)) >= 1
    send_all(session)
    [first] = smtp.to("lieu@exemple.test")
    assert "prend fin le" in first["Subject"]
    text = Mailbox.text(first)
    assert "https://pass.exemple.test/lieu/" in text and "ne pourra plus" in text
    for rerun in (date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 30)):
        assert label_reminders.record_due(session, rerun) == 0, rerun
    assert label_reminders.record_due(session, date(2027, 1, 3)) >= 1  # the 7-day reminder
    assert label_reminders.record_due(session, date(2027, 1, 5)) == 0
    send_all(session)
    assert len(smtp.to("lieu@exemple.test")) == 2
    codes = fw.codes(session, fw.serial(w))
    fw.hand_out(session, w, fw.serial(w))
    after = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    assert (
        fw.refused_scan(session, w, codes[1], structure_id=org.id, at=after)
        == "structure_not_labelled"
    )


def test_the_reminders_command_sends_through_the_smtp_server_once(
    fresh_engine, smtp, tmp_path, monkeypatch
):
    with unit_of_work(fresh_engine) as s:
        validated_place(s, tmp_path, date(2026, 1, 10))
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["places", "reminders", "--send", "--today", "2026-12-10"])
        assert result.exit_code == 0, result.output
    assert "lieu@exemple.test" in result.output
    assert len(smtp.to("lieu@exemple.test")) == 1
    with unit_of_work(fresh_engine) as s:
        statuses = s.scalars(select(MailMessage.status)).all()
    assert statuses and set(statuses) == {"sent"}


def test_a_held_scan_rolled_back_tells_nobody(fresh_engine, smtp):
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s, handout_policy="hold")
        fw.person(s, w.funder_a.id, "funder")
        code = fw.codes(s, fw.serial(w))[0]
        ids = (w.funder_a.id, w.structure.id)
    with pytest.raises(RuntimeError), unit_of_work(fresh_engine) as s:
        held = redeem.redeem(s, fw.RECEPTION, redeem.Scan(code=code, structure_id=ids[1]))
        assert held.status == "held"
        assert s.scalars(select(MailMessage)).all()  # recorded with the work...
        raise RuntimeError("the request failed after the scan")  # ...and rolled back with it
    assert worker.deliver_mail(eng=fresh_engine) == 0
    assert smtp.messages == []
    with unit_of_work(fresh_engine) as s:
        assert (
            redeem.redeem(s, fw.RECEPTION, redeem.Scan(code=code, structure_id=ids[1])).status
            == "held"
        )
    assert worker.deliver_mail(eng=fresh_engine) == 1
    assert len(smtp.messages) == 1 and "/revue" in Mailbox.text(smtp.messages[0])


def test_the_job_worker_sends_the_daily_reminders_without_a_cron(
    fresh_engine, smtp, tmp_path, monkeypatch
):
    from voucher.services.jobs import queue

    with unit_of_work(fresh_engine) as s:
        validated_place(s, tmp_path, date(2026, 1, 10))
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))
    queue.queue.cache_clear()
    worker.engine.cache_clear()
    periodic = {t.name for t in queue.queue()._registry.periodic_tasks}  # noqa: SLF001
    assert {"deliver_mail", "daily_mail"} <= periodic
    try:
        with calendar_at(datetime(2026, 12, 10, 6, 0, tzinfo=UTC)):
            assert queue.TASKS["daily_mail"].call_local() >= 1
            assert queue.TASKS["daily_mail"].call_local() == 0  # a rerun sends nothing new
        assert queue.TASKS["deliver_mail"].call_local() == 0
    finally:
        worker.engine().dispose()
        worker.engine.cache_clear()
        queue.queue.cache_clear()
    assert len(smtp.to("lieu@exemple.test")) == 1


class Progress:
    """Progress kept in memory (the queue's storage is not what this test is about)."""

    def set(self, job_id: int, done: int, total: int) -> None:
        pass

    def get(self, job_id: int) -> tuple[int, int] | None:
        return None

    def clear(self, job_id: int) -> None:
        pass


def test_a_job_run_by_the_worker_tells_who_started_it(fresh_engine, smtp, monkeypatch):
    from voucher.services.context import Actor
    from voucher.services.jobs import jobs

    with unit_of_work(fresh_engine) as s:
        w = fw.world(s)
        starter = fw.person(s, w.funder_a.id, "funder")
        actor = Actor(label=starter.label, user_id=starter.user_id, organisation_id=w.funder_a.id)
        params = {"programme_id": w.programme.id, "prescriber_id": w.prescriber.id, "books": 2}
        job, _ = jobs.enqueue(s, actor, "batch.issue", params, total=2)
        job_id = job.id
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    worker.engine.cache_clear()
    try:
        assert worker.run(job_id, Progress()) == "done"
        assert worker.deliver_mail() == 1
    finally:
        worker.engine().dispose()
        worker.engine.cache_clear()
    [got] = smtp.to(starter.label)
    assert got["Subject"] == "Votre tâche « Émission d'un lot de carnets » est terminée"
    assert f"https://pass.exemple.test/taches/{job_id}" in Mailbox.text(got)
