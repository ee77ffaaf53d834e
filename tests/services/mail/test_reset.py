"""Password reset: the token is only in the mail (its hash in the database), works once,
for one hour; an unknown address records nothing yet answers the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests import factories as f
from tests.mailbox import Mailbox
from tests.services.redemption import fraud_world as fw
from voucher.db.models import MailMessage, PasswordReset, User
from voucher.domain import calendar, mail
from voucher.domain.errors import DomainError
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.mail import reset, transport

ASKER = Actor(label="anonyme", ip="192.0.2.7")
NEW = "un-nouveau-mot-de-passe"


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    monkeypatch.setattr(
        people, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def someone(session) -> User:
    user = session.get(User, fw.person(session, f.funder(session).id, "funder").user_id)
    assert user is not None
    return user


def token_of(session, user: User) -> str:
    raw = session.scalars(
        select(MailMessage.raw).where(
            MailMessage.user_id == user.id, MailMessage.kind == mail.RESET
        )
    ).one()
    text = Mailbox.text(transport.parse(raw))
    link = next(w for w in text.split() if reset.PATH in w)
    assert link.startswith("https://pass.exemple.test" + reset.PATH)
    return link.rsplit("/", 1)[1]


def test_the_token_is_in_the_mail_only_and_works_once(session, smtp):
    user = someone(session)
    assert reset.request_reset(session, ASKER, user.email.upper()) is True
    token = token_of(session, user)
    stored = session.scalars(select(PasswordReset.token_hash)).one()
    assert token not in stored and stored == mail.token_hash(token)
    reset.set_password(session, ASKER, token, NEW, NEW)
    assert people.check_password(user, NEW)
    with pytest.raises(DomainError) as again:
        reset.set_password(session, ASKER, token, "encore-un-autre-mot", "encore-un-autre-mot")
    assert again.value.code == "reset_link_used"
    assert people.check_password(user, NEW)


def test_a_token_older_than_an_hour_is_refused(session, smtp):
    user = someone(session)
    reset.request_reset(session, ASKER, user.email)
    token = token_of(session, user)
    with (
        calendar.at(calendar.utcnow() + mail.RESET_VALIDITY + timedelta(seconds=1)),
        pytest.raises(DomainError) as late,
    ):
        reset.set_password(session, ASKER, token, NEW, NEW)
    assert late.value.code == "reset_link_expired"


def test_a_new_password_spends_every_other_open_link(session, smtp):
    user = someone(session)
    reset.request_reset(session, ASKER, user.email)
    reset.request_reset(session, ASKER, user.email)
    raws = session.scalars(select(MailMessage.raw).where(MailMessage.user_id == user.id)).all()
    tokens = [
        next(w for w in Mailbox.text(transport.parse(r)).split() if reset.PATH in w).rsplit("/", 1)[
            1
        ]
        for r in raws
    ]
    reset.set_password(session, ASKER, tokens[1], NEW, NEW)
    with pytest.raises(DomainError) as old:
        reset.check(session, tokens[0])
    assert old.value.code == "reset_link_used"


def test_an_unknown_or_forged_address_records_nothing(session, smtp):
    assert reset.request_reset(session, ASKER, "personne@exemple.test") is False
    assert session.scalars(select(MailMessage)).all() == []
    with pytest.raises(DomainError) as forged:
        reset.check(session, "x" * 43)
    assert forged.value.code == "reset_link_invalid"


def test_different_passwords_or_a_short_one_change_nothing(session, smtp):
    user = someone(session)
    reset.request_reset(session, ASKER, user.email)
    token = token_of(session, user)
    with pytest.raises(DomainError) as differ:
        reset.set_password(session, ASKER, token, NEW, NEW + "x")
    assert differ.value.code == "passwords_differ"
    assert reset.check(session, token).used_at is None


def test_a_flood_of_requests_from_many_addresses_sends_three_mails_an_hour(session, smtp):
    user = someone(session)
    for n in range(10):
        reset.request_reset(session, Actor(label="anonyme", ip=f"198.51.100.{n}"), user.email)
    sent = session.scalars(select(MailMessage).where(MailMessage.user_id == user.id)).all()
    assert len(sent) == mail.RESETS_PER_HOUR
    with calendar.at(calendar.utcnow() + timedelta(hours=1, seconds=1)):
        assert reset.request_reset(session, ASKER, user.email) is True
