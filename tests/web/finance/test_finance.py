"""The finance workspace through the real app: close a month, download statements, create
a payment run and its SEPA file, upload the bank's camt answer, export the FEC; structures
download their own statements; everyone else gets 404 or 403, and bad input changes
nothing."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from voucher.db.engine import unit_of_work
from voucher.db.models import BankImport, PaymentRun, PaymentTransfer, Statement
from voucher.documents import fec, sepa
from voucher.domain import calendar
from voucher.services.finance import ledger_audit


@dataclass
class Scene:
    operator_finance: int
    funder_finance: int
    stranger_finance: int
    reception: int
    other_reception: int
    structure_name: str


@pytest.fixture
def scene(app) -> Scene:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = fw.world(s, structures=2)
        for i in range(2):
            fw.scan(s, w, fw.paris(2026, 9, 3 + i), structure=i)
        op = fw.operator(s)
        return Scene(
            operator_finance=fw.person(s, op).user_id,
            funder_finance=fw.person(s, w.w.funder_a.id).user_id,
            stranger_finance=fw.person(s, f.funder(s, "Autre fondation").id).user_id,
            reception=fw.person(s, w.structures[0].id, "reception").user_id,
            other_reception=fw.person(s, w.structures[1].id, "reception").user_id,
            structure_name=w.structures[0].name,
        )


def sign_in(client, user_id: int) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True


def token(client, path: str = "/finance") -> str:
    return re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)
    ).group(1)


def count(app, model) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert ledger_audit.verify(s).ok
        return int(s.scalar(select(func.count()).select_from(model)))


def close_september(client) -> None:
    with calendar.at(fw.paris(2026, 10, 2)):
        answer = client.post(
            "/finance/cloture", data={"mois": "2026-09", "csrf_token": token(client)}
        )
    assert answer.status_code == 303


def test_finance_closes_a_month_and_downloads_a_statement_pdf(app, client, scene):
    sign_in(client, scene.operator_finance)
    page = client.get("/finance")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Clôturer ce mois" in body and '<svg role="img"' in body
    close_september(client)
    month = client.get("/finance/mois/2026-09").get_data(as_text=True)
    assert (
        "2 relevé(s)" in month and scene.structure_name in month and "Empreinte du journal" in month
    )
    assert "Avoirs aux financeurs" in month and "Aucun avoir émis ce mois-ci." in month
    listing = client.get("/finance/releves?mois=2026-09").get_data(as_text=True)
    sid = re.search(r"/finance/releves/(\d+)\.pdf", listing).group(1)
    pdf = client.get(f"/finance/releves/{sid}.pdf")
    assert (
        pdf.status_code == 200
        and pdf.mimetype == "application/pdf"
        and pdf.data.startswith(b"%PDF")
    )
    close_september(client)  # again: nothing new
    assert count(app, Statement) == 2


def test_a_structure_downloads_its_own_statements_and_not_another_ones(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        mine, theirs = s.scalars(select(Statement.id).order_by(Statement.structure_id)).all()
    sign_in(client, scene.reception)
    page = client.get("/lieu/releves").get_data(as_text=True)
    assert f"/lieu/releves/{mine}.pdf" in page and f"/lieu/releves/{theirs}.pdf" not in page
    assert client.get(f"/lieu/releves/{mine}.pdf").data.startswith(b"%PDF")
    assert client.get(f"/lieu/releves/{theirs}.pdf").status_code == 404
    assert client.get("/finance").status_code == 403
    assert client.get(f"/finance/releves/{mine}.pdf").status_code == 403


def test_another_funders_accountant_sees_nothing_and_gets_404(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        sid = s.scalar(select(Statement.id).limit(1))
    sign_in(client, scene.stranger_finance)
    assert scene.structure_name not in client.get("/finance/releves").get_data(as_text=True)
    assert client.get(f"/finance/releves/{sid}.pdf").status_code == 404
    assert client.get("/finance/comptabilite/fec").status_code == 403
    sign_in(client, scene.funder_finance)
    assert client.get(f"/finance/releves/{sid}.pdf").status_code == 200


def test_payment_run_sepa_download_then_camt_upload_settles(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    csrf = token(client, "/finance/paiements")
    asked = client.post(
        "/finance/paiements", data={"version": "pain.001.001.03", "csrf_token": csrf}
    )
    page = asked.get_data(as_text=True)  # confirmation: count and total, nothing created yet
    assert asked.status_code == 200 and "Confirmer l&#39;ordre de 2 virements pour" in page
    expected = re.search(r'name="expected" value="([^"]+)"', page).group(1)
    stale = client.post(
        "/finance/paiements",
        data={
            "version": "pain.001.001.03",
            "csrf_token": csrf,
            "confirm": "yes",
            "expected": "1:1",
        },
    )
    assert stale.status_code == 409 and "ont changé" in stale.get_data(as_text=True)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(PaymentRun.id)) is None
    answer = client.post(
        "/finance/paiements",
        data={
            "version": "pain.001.001.03",
            "csrf_token": csrf,
            "confirm": "yes",
            "expected": expected,
        },
    )
    assert answer.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        run_id = s.scalar(select(PaymentRun.id))
        transfers = [
            (t.amount_cents, t.end_to_end_id, t.iban) for t in s.scalars(select(PaymentTransfer))
        ]
    xml = client.get(f"/finance/paiements/{run_id}.xml")
    assert xml.status_code == 200 and sepa.validate(xml.data, "pain.001.001.03") == []
    assert "attachment" in xml.headers["Content-Disposition"]
    (a, e1, i1), (b, e2, i2) = transfers
    data = cf.camt053(
        [cf.Line(a, e2e=e1, iban=i1), cf.Line(b, "CRDT", e2, i2, return_reason="AC04")]
    )
    upload = client.post(
        "/finance/banque",
        data={
            "releve": (io.BytesIO(data), "releve.xml"),
            "csrf_token": token(client, "/finance/banque"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert (
        "payé" in preview
        and "rejeté par la banque" in preview
        and "Valider ce rapprochement" in preview
    )
    applied = client.post(
        upload.headers["Location"] + "/appliquer",
        data={"csrf_token": token(client, "/finance/banque")},
    )
    assert applied.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert sorted(s.scalars(select(Statement.status))) == ["paid", "rejected"]
    assert count(app, BankImport) == 1


def test_a_hostile_bank_file_is_refused_in_french_and_changes_nothing(app, client, scene):
    sign_in(client, scene.operator_finance)
    evil = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    answer = client.post(
        "/finance/banque",
        data={
            "releve": (io.BytesIO(evil), "x.xml"),
            "csrf_token": token(client, "/finance/banque"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    body = answer.get_data(as_text=True)
    assert "refusé par sécurité" in body and "Traceback" not in body and "passwd" not in body
    assert count(app, BankImport) == 0


def test_fec_and_trial_balance_download_for_the_operator(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    answer = client.get("/finance/comptabilite/fec?du=2026-01-01&au=2026-12-31")
    assert answer.status_code == 200
    assert re.search(r'filename="\d{9}FEC20261231\.txt"', answer.headers["Content-Disposition"])
    rows = fec.read(answer.get_data(as_text=True))
    assert rows and all(len(r) == 18 for r in rows)
    balance = client.get("/finance/comptabilite/balance?du=2026-01-01&au=2026-12-31")
    assert "Débits et crédits sont égaux" in balance.get_data(as_text=True)
    assert scene.structure_name in balance.get_data(as_text=True)
    two_years = client.get("/finance/comptabilite/fec?du=2026-12-01&au=2027-01-31")
    assert two_years.status_code == 422 and "un seul exercice" in two_years.get_data(as_text=True)
    csv_file = client.get("/finance/comptabilite/balance?du=2026-01-01&au=2026-12-31&format=csv")
    assert csv_file.data.startswith("\ufeff".encode()) and b";" in csv_file.data
    xlsx = client.get("/finance/comptabilite/journal.xlsx?du=2026-01-01&au=2026-12-31")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    bad = client.get("/finance/comptabilite/fec?du=demain")
    assert bad.status_code == 422 and "incohérentes" in bad.get_data(as_text=True)


def test_closing_a_month_not_over_or_without_csrf_changes_nothing(app, client, scene):
    sign_in(client, scene.operator_finance)
    with calendar.at(fw.paris(2026, 9, 20)):
        refused = client.post(
            "/finance/cloture",
            data={"mois": "2026-09", "csrf_token": token(client)},
            follow_redirects=True,
        )
    assert "seul un mois échu" in refused.get_data(as_text=True)
    assert client.post("/finance/cloture", data={"mois": "2026-09"}).status_code == 400
    assert count(app, Statement) == 0


def test_pages_of_the_workspace_answer_in_french(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    for path, words in (
        ("/finance/paiements", "Relevés à payer"),
        ("/finance/banque", "Déposer un relevé"),
        ("/finance/comptabilite", "Fichier des Écritures Comptables"),
        ("/finance/avoirs", "Avoirs émis"),
        ("/finance/releves", "Relevés de remboursement"),
    ):
        page = client.get(path)
        assert page.status_code == 200 and words in page.get_data(as_text=True), path
    assert client.get("/finance/mois/pas-un-mois").status_code == 404
    client.get("/connexion")
    sign_in(client, scene.reception)
    assert "Relevés" in client.get("/lieu/releves").get_data(as_text=True)


def test_the_overview_says_which_months_are_closed_and_proposes_the_next(app, client, scene):
    """Closing September closes the months before it too (their scans are on its
    statements): they no longer say "non", and the form proposes October, not September."""
    sign_in(client, scene.operator_finance)
    close_september(client)
    with calendar.at(fw.paris(2026, 11, 30)):
        body = client.get("/finance").get_data(as_text=True)
    assert "oui, avec septembre 2026" in body  # August, July…: closed with September
    select = re.search(r'<select id="mois".*?</select>', body, re.S).group(0)
    assert "2026-09" not in select and "2026-08" not in select
    assert re.search(r'<option value="2026-10" selected>', select)
    assert "Prochain mois à clôturer : <strong>octobre 2026</strong>" in body
