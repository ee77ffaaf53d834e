"""What every command shares: one transaction that commits, a dry run that writes nothing,
one French refusal line (exit 1, nothing half-written), and ``--as EMAIL`` naming a person."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.cli import common
from voucher.db.engine import unit_of_work
from voucher.db.models import Organisation
from voucher.domain.errors import DomainError
from voucher.services.access import people


def organisations(engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Organisation)))


@pytest.fixture
def cli_engine(fresh_engine, monkeypatch):
    monkeypatch.setattr(common, "engine", lambda: fresh_engine)
    return fresh_engine


def test_a_command_that_ends_normally_commits_its_work(cli_engine):
    with common.transaction() as s:
        f.funder(s)
    assert organisations(cli_engine) == 1


def test_a_dry_run_writes_nothing_but_keeps_what_it_read(cli_engine):
    with common.transaction(confirm=False) as s:
        funder = f.funder(s, "Fondation Simulée")
    assert funder.name == "Fondation Simulée"
    assert organisations(cli_engine) == 0


def test_a_refusal_prints_one_french_line_exits_1_and_leaves_nothing_half_written(
    cli_engine, capsys
):
    with pytest.raises(SystemExit) as exit, common.transaction() as s:
        f.funder(s)
        s.flush()
        raise DomainError("insufficient_funds")
    assert exit.value.code == 1
    assert " ".join(capsys.readouterr().err.split()) == (  # rich wraps at the console width
        "Refusé (insufficient_funds) : Les fonds reçus ne couvrent pas ce lot : "
        "enregistrez d'abord le versement du financeur."
    )
    assert organisations(cli_engine) == 0


def test_without_as_the_command_acts_as_the_system(session):
    assert common.actor(session, None, "close").label == "ligne de commande (close)"


def test_as_names_an_active_person_acting_with_their_finance_grant(session):
    operator = f.funder(session, "Opérateur")
    user = _person(session, "compta@exemple.test", operator.id, "finance")
    who = common.actor(session, " Compta@Exemple.test ", "close", role="finance")
    assert (who.user_id, who.organisation_id, who.role) == (user.id, operator.id, "finance")
    assert who.label == "compta@exemple.test (ligne de commande)"


def test_as_refuses_an_unknown_or_inactive_address_and_a_missing_grant(session):
    funder = f.funder(session)
    user = _person(session, "camille@exemple.test", funder.id, "funder")
    with pytest.raises(DomainError) as unknown:
        common.actor(session, "personne@exemple.test", "holds")
    assert unknown.value.code == "not_found"
    with pytest.raises(DomainError) as not_finance:
        common.actor(session, "camille@exemple.test", "close", role="finance")
    assert not_finance.value.code == "forbidden" and "rôle finance" in not_finance.value.message
    user.active = False
    with pytest.raises(DomainError) as inactive:
        common.actor(session, "camille@exemple.test", "print")
    assert inactive.value.code == "not_found"


def _person(session, email: str, organisation_id: int, role: str):
    return people.create_user(
        session,
        f.ACTOR,
        email=email,
        name="Camille",
        password="un mot de passe assez long",
        grants=[(organisation_id, role)],
    )
