"""The forgotten password over HTTP, as an attacker tries it: the answer is the same for a
known and an unknown address (nothing to enumerate), requests are rate-limited, a forged
Host never chooses where the link points, a used link is refused in French and changes
nothing; "Mes notifications" keeps each person's own choices."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.mailbox import Mailbox
from tests.web.workspace_world import login, token
from voucher.db.engine import unit_of_work
from voucher.db.models import MailMessage, NotificationOptOut
from voucher.services.jobs import worker
from voucher.services.mail import reset
from voucher.web.limits import limiter


def ask(client, email: str, **headers: str):
    page = client.get("/mot-de-passe/oublie", headers=headers)
    return client.post(
        "/mot-de-passe/oublie",
        data={"email": email, "csrf_token": token(page)},
        headers=headers,
    )


def sent_link(app, smtp) -> str:
    assert worker.deliver_mail(eng=app.extensions["voucher.engine"]) >= 1
    text = Mailbox.text(smtp.messages[-1])
    return next(w for w in text.split() if reset.PATH in w)


def test_the_sign_in_page_links_to_the_forgotten_password(client):
    page = client.get("/connexion").get_data(as_text=True)
    assert 'href="/mot-de-passe/oublie">Mot de passe oublié ?</a>' in page


def test_known_and_unknown_addresses_get_the_same_answer(app, client, world, smtp):
    limiter.reset()
    known = ask(client, world.emails["funder_a"])
    unknown = ask(client, "personne@exemple.test")
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert known.status_code == unknown.status_code == 200
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    sent_link(app, smtp)
    assert [m["To"] for m in smtp.messages] == [world.emails["funder_a"]]


def test_asking_again_and_again_is_slowed_down(client, world, smtp):
    limiter.reset()
    answers = [ask(client, world.emails["funder_a"]).status_code for _ in range(7)]
    assert answers[:5] == [200] * 5 and answers[-1] == 429


def test_a_forged_host_does_not_choose_where_the_link_points(app, client, world, smtp):
    limiter.reset()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    assert ask(client, world.emails["funder_a"], **forged).status_code == 200
    link = sent_link(app, smtp)
    assert link.startswith("https://pass.exemple.test/mot-de-passe/nouveau/")
    assert "evil" not in Mailbox.text(smtp.messages[-1])


def test_a_used_link_is_refused_in_french_and_changes_nothing(app, client, world, smtp):
    limiter.reset()
    ask(client, world.emails["prescriber_a"])
    path = sent_link(app, smtp).removeprefix("https://pass.exemple.test")
    form = client.get(path)
    assert form.status_code == 200
    short = client.post(
        path, data={"password": "court", "password_again": "court", "csrf_token": token(form)}
    )
    body = short.get_data(as_text=True)
    assert short.status_code == 422 and "error-summary" in body and "12 caractères" in body
    assert 'aria-invalid="true"' in body
    new = "un-mot-de-passe-tout-neuf"
    done = client.post(
        path, data={"password": new, "password_again": new, "csrf_token": token(form)}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/connexion")
    login(client, world.emails["prescriber_a"], new)
    again = client.get(path)
    assert again.status_code == 422
    assert "Ce lien a déjà servi" in again.get_data(as_text=True)


def test_mes_notifications_keeps_ones_own_choices(app, client, world):
    login(client, world.emails["reception_a"])
    page = client.get("/compte/notifications")
    assert page.status_code == 200 and "Mes notifications" in page.get_data(as_text=True)
    done = client.post(
        "/compte/notifications",
        data={"kind": ["statement_issued"], "csrf_token": token(page)},
    )
    assert done.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        off = set(
            s.scalars(
                select(NotificationOptOut.kind).where(
                    NotificationOptOut.user_id == world.user_ids["reception_a"]
                )
            )
        )
        assert "statement_issued" not in off and "job_finished" in off
        assert s.scalars(select(MailMessage)).all() == []
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert 'value="statement_issued" checked' in page
    assert 'value="job_finished" checked' not in page
    bad = client.post(
        "/compte/notifications", data={"kind": ["tout"], "csrf_token": token(client.get("/"))}
    )
    assert bad.status_code == 422 and "Notification inconnue" in bad.get_data(as_text=True)


def test_mes_notifications_asks_to_sign_in(client):
    answer = client.get("/compte/notifications")
    assert answer.status_code == 302 and "/connexion" in answer.headers["Location"]


def test_every_notification_link_opens_for_the_person_it_is_sent_to(app, client, world, smtp):
    from voucher.services.context import Actor
    from voucher.services.jobs import jobs
    from voucher.services.mail import notify
    from voucher.services.webhooks import events

    w = world
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        sa = w.structure_a
        statement = {"number": "R-1", "period": "2026-05", "structure_id": sa, "total_cents": 100}
        events.emit(s, "statement.issued", {**statement, "lines": 1}, [sa])
        notify.hold_to_review(s, w.programme_a, sa)
        rejected = {"statement": "R-1", "structure_id": sa, "amount_cents": 100, "reason": "AC04"}
        events.emit(s, "transfer.rejected", {**rejected, "transfer_id": 1}, [sa])
        starter = Actor(label="f", user_id=w.user_ids["funder_a"], organisation_id=w.funder_a)
        job, _ = jobs.enqueue(s, starter, "batch.issue", {"programme_id": 1})
        notify.job_finished(s, starter.user_id, job.id, job.kind, "done")
        kinds = {
            (m.kind, m.to_addr, m.raw)
            for m in s.scalars(select(MailMessage).where(MailMessage.kind != "password_reset"))
        }
    assert {k for k, _, _ in kinds} == {
        "statement_issued",
        "hold_to_review",
        "transfer_rejected",
        "job_finished",
    }
    who = {email: key for key, email in w.emails.items()}
    from voucher.services.mail import transport

    for kind, to, raw in sorted(kinds):
        text = Mailbox.text(transport.parse(raw))
        link = next(word for word in text.split() if word.startswith("https://pass.exemple"))
        login(client, w.emails[who[to]])
        answer = client.get(link.removeprefix("https://pass.exemple.test"))
        assert answer.status_code == 200, (kind, to, link, answer.status_code)
    login(client, w.emails["reception_a"])  # a label reminder's link: the place's home
    home = client.get("/lieu/")
    assert home.status_code in (200, 302) and "/connexion" not in home.headers.get("Location", "")
