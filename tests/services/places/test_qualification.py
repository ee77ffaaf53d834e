"""Qualification: SIRENE identity, steps saved one by one, the operator's decision and the
label it grants (with its dates), and what a lapsed label does to a scan."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.places import place_world as pw
from voucher.db.models import AuditEvent, Label, SireneEstablishment
from voucher.domain.errors import DomainError
from voucher.services.organisations import documents, qualification


def test_the_loader_reads_the_official_columns_and_skips_bad_sirets(session):
    assert pw.load_extract(session) == (5, 1)
    est = session.get(SireneEstablishment, pw.POITIERS)
    assert (est.legal_name, est.street_number, est.street, est.postcode, est.town) == (
        "CYBER BASE DU CLAIN",
        "12 bis",
        "rue DES ECOLES",
        "86000",
        "Poitiers",
    )
    assert session.get(SireneEstablishment, pw.CLOSED).active is False


@pytest.mark.parametrize(
    ("siret", "code"),
    [
        ("12345678901234", "invalid_siret"),
        ("40000000000000", "invalid_siret"),
        (pw.CLOSED, "siret_closed"),
        (pw.NO_ADDRESS, "invalid_address"),
    ],
)
def test_account_creation_checks_the_siret(session, siret, code):
    pw.load_extract(session)
    with pytest.raises(DomainError) as refused:
        qualification.register_place(
            session, f.ACTOR, siret=siret, email="a@b.test", name="A", password="x" * 12
        )
    assert refused.value.code == code


def test_an_unknown_siret_is_refused(session):
    with pytest.raises(DomainError) as refused:
        qualification.register_place(
            session, f.ACTOR, siret=pw.POITIERS, email="a@b.test", name="A", password="x" * 12
        )
    assert refused.value.code == "siret_unknown"


def test_legal_name_and_address_come_from_sirene(session):
    pw.load_extract(session)
    org, user = qualification.register_place(
        session, f.ACTOR, siret=pw.LYON, email="Fab@Lyon.test", name="Léa", password="x" * 12
    )
    assert (org.name, org.postcode, org.commune_insee, org.is_structure) == (
        "LA FABRIQUE NUMERIQUE",
        "69003",
        "69123",
        True,
    )
    assert qualification.application(session, org.id).steps_done == ["identite"]


def test_a_file_goes_through_correction_then_validation_with_a_dated_label(session, tmp_path):
    pw.load_extract(session)
    org, _ = pw.ready_place(session, tmp_path)
    app = qualification.application(session, org.id)
    assert app.status == "submitted"
    with pytest.raises(DomainError) as locked:
        qualification.save_services(session, f.ACTOR, org.id, chosen=[], summary="")
    assert locked.value.code == "application_locked"
    with pytest.raises(DomainError) as early:
        qualification.decide(session, f.SECOND, org.id, validate=True)
    assert early.value.code == "documents_not_validated"
    qualification.decide(session, f.SECOND, org.id, validate=False, note="RIB illisible")
    assert app.status == "correction"
    rib = next(d for d in documents.of_organisation(session, org.id) if d.kind == "rib")
    documents.decide(session, f.SECOND, rib.id, validate=False, note="Illisible")
    with pytest.raises(DomainError) as incomplete:
        qualification.submit(session, f.ACTOR, org.id)
    assert incomplete.value.code == "application_incomplete"
    documents.upload(
        session, f.ACTOR, tmp_path, org.id, kind="rib", filename="rib.png", data=pw.PNG
    )
    qualification.submit(session, f.ACTOR, org.id)
    for doc in documents.of_organisation(session, org.id):
        if doc.status == "pending":
            documents.decide(session, f.SECOND, doc.id, validate=True)
    qualification.decide(session, f.SECOND, org.id, validate=True, today=date(2026, 3, 15))
    label = session.scalars(select(Label).where(Label.organisation_id == org.id)).one()
    assert (label.valid_from, label.valid_until) == (date(2026, 3, 15), date(2027, 3, 14))
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("place.%"))
    ).all()
    assert actions.count("place.submit") == 2 and "place.validated" in actions


def test_an_ineligible_questionnaire_cannot_be_sent(session, tmp_path):
    pw.load_extract(session)
    org, _ = qualification.register_place(
        session, f.ACTOR, siret=pw.POITIERS, email="a@b.test", name="A", password="x" * 12
    )
    qs = qualification.questions(session)
    with pytest.raises(DomainError) as missing:
        qualification.save_questionnaire(
            session, f.ACTOR, org.id, legal_form="association", answers={}
        )
    assert missing.value.code == "answer_required"
    qualification.save_questionnaire(
        session, f.ACTOR, org.id, legal_form="public", answers={q.id: "non" for q in qs}
    )
    app = qualification.application(session, org.id)
    assert not qualification.eligible(app)
    assert all(a["question"] for a in app.answers.values())
