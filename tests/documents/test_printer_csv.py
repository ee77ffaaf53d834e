"""The printer's variable-data CSV: one line per voucher, funder staff only, audited."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, PrintFile
from voucher.domain import codes
from voucher.domain.errors import DomainError
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.printing import production


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_csv_lists_every_voucher_of_the_batch_in_print_order(session, printing_world):
    job = production.printer_csv(session, printing_world.funder, printing_world.batch_id)
    data = b"".join(job.chunks())
    rows = _rows(data)
    first = printing_world.world.batch.first_serial
    assert data.startswith(
        b"carnet,position,cheques_par_carnet,code,code_groupes,valeur_centimes,valeur,"
        b"valable_jusqu_au,accepte_jusqu_au\r\n"
    )
    assert [r["code"] for r in rows] == pw.batch_codes(session, printing_world.batch_id)
    assert [(r["carnet"], r["position"]) for r in rows] == [
        (f"{first + b:06d}", str(p)) for b in range(3) for p in range(1, 11)
    ]
    for r in rows:
        assert (
            r["code_groupes"] == codes.format_code(r["code"])
            and codes.parse(r["code"]) == r["code"]
        )
        assert (r["cheques_par_carnet"], r["valeur_centimes"], r["valeur"]) == (
            "10",
            "1000",
            "10,00\u00a0€",
        )
        assert (r["valable_jusqu_au"], r["accepte_jusqu_au"]) == ("2099-12-31", "2100-01-31")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "print.csv")).one()
    assert event.details["sha256"] == hashlib.sha256(data).hexdigest() == job.result.sha256
    assert event.details["vouchers"] == 30 and event.object_id == printing_world.batch_id
    assert session.scalars(select(PrintFile.kind)).all() == ["csv"]


def test_only_funder_staff_of_the_programme_download_the_csv(session, printing_world):
    w = printing_world.world
    other = f.funder(session, "Fondation C")
    refused = [
        Actor(label="autre financeur", organisation_id=other.id, role="funder"),
        Actor(label="prescripteur", organisation_id=w.prescriber.id, role="prescriber"),
        Actor(label="accueil", organisation_id=w.structure.id, role="reception"),
        Actor(label="évaluation", organisation_id=w.funder_a.id, role="evaluator"),
    ]
    for actor in refused:
        with pytest.raises(DomainError) as exc:
            production.printer_csv(session, actor, printing_world.batch_id)
        assert exc.value.code == "forbidden"
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "print.csv")).all() == []


def test_from_the_command_line_a_persons_funder_grant_counts(session, printing_world):
    w = printing_world.world
    camille = people.create_user(
        session,
        f.ACTOR,
        email="camille@fondation-a.test",
        name="Camille",
        password="un mot de passe assez long",
        grants=[(w.funder_b.id, "funder")],
    )
    sacha = people.create_user(
        session,
        f.ACTOR,
        email="sacha@mission-locale.test",
        name="Sacha",
        password="un mot de passe assez long",
        grants=[(w.prescriber.id, "prescriber")],
    )
    as_camille = Actor(label="camille (ligne de commande)", user_id=camille.id)
    assert _rows(
        b"".join(production.printer_csv(session, as_camille, printing_world.batch_id).chunks())
    )
    with pytest.raises(DomainError) as exc:
        production.printer_csv(
            session, Actor(label="sacha", user_id=sacha.id), printing_world.batch_id
        )
    assert exc.value.code == "forbidden"
    camille.active = False
    with pytest.raises(DomainError) as exc:
        production.printer_csv(session, as_camille, printing_world.batch_id)
    assert exc.value.code == "forbidden"
