"""The funder's desk: programmes (create, edit within the rules, acceptance, thresholds),
batches (issue, fund, activate), lost books, follow-up with its chart, zones, the import
of the national places file, labels and four-eyes bank details."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests import factories as f
from tests.web.workspace_world import login, post, text
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    AuditEvent,
    BankAccount,
    Batch,
    Book,
    Organisation,
    PilotZone,
    Programme,
    ProgrammeFunder,
    Voucher,
)
from voucher.services.finance import ledger_audit
from voucher.services.jobs import queue

FILES = Path(__file__).parent / "files"
PROGRAMME_FORM = {
    "name": "Pass Vienne 2027",
    "face_value": "10",
    "vouchers_per_book": "5",
    "valid_from": "2027-01-01",
    "valid_until": "2027-12-31",
    "grace_days": "31",
    "cancel_window_minutes": "15",
    "handout_policy": "flag",
    "own_share": "50",
}


def db(app):
    return unit_of_work(app.extensions["voucher.engine"])


def test_a_funder_creates_a_co_financed_programme(app, client, world):
    login(client, world.emails["funder_a"])
    done = post(
        client,
        "/financeur/dispositifs/nouveau",
        {
            **PROGRAMME_FORM,
            "cofunder_1": world.funder_b,
            "share_1": "50",
            "labels": "Pass numérique",
        },
    )
    assert done.status_code == 303
    page = text(client.get(done.headers["Location"]))
    assert (
        "Pass Vienne 2027" in page and "Fondation A 50 %" in page and "Département B 50 %" in page
    )
    with db(app) as s:
        pid = s.scalar(select(Programme.id).where(Programme.name == "Pass Vienne 2027"))
        shares = s.execute(
            select(ProgrammeFunder.funder_id, ProgrammeFunder.share_bp).where(
                ProgrammeFunder.programme_id == pid
            )
        ).all()
        assert sorted(shares) == sorted([(world.funder_a, 5000), (world.funder_b, 5000)])
        event = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "programme.create")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.actor_user_id == world.user_ids["funder_a"]


def test_shares_that_do_not_make_100_percent_are_refused_and_nothing_is_created(app, client, world):
    login(client, world.emails["funder_a"])
    page = post(
        client,
        "/financeur/dispositifs/nouveau",
        {**PROGRAMME_FORM, "cofunder_1": world.funder_b, "share_1": "40"},
    )
    assert page.status_code == 422 and "totaliser 100 %" in text(page)
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Programme)) == 2


def test_once_books_are_issued_the_printed_promise_cannot_shrink(app, client, world):
    login(client, world.emails["funder_a"])
    path = f"/financeur/dispositifs/{world.programme_a}/modifier"
    form = text(client.get(path))
    assert 'name="face_value"' not in form and "Verrouillé" in form
    base = {
        "name": "Pass A",
        "grace_days": "31",
        "cancel_window_minutes": "20",
        "handout_policy": "hold",
    }
    shorter = post(client, path, {**base, "valid_until": "2098-01-01"})
    assert shorter.status_code == 422 and "ne peut pas être raccourcie" in text(shorter)
    longer = post(client, path, {**base, "valid_until": "2099-12-31", "grace_days": "60"})
    assert longer.status_code == 303
    with db(app) as s:
        p = s.get(Programme, world.programme_a)
        assert (p.grace_days, p.cancel_window_minutes, p.handout_policy, p.face_value_cents) == (
            60,
            20,
            "hold",
            1000,
        )


SHOWN = {
    "seuil__book_per_day__shown": "1",
    "seuil__book_per_day__active": "1",
    "seuil__book_per_day__outcome": "hold",
}


def test_fraud_thresholds_are_numbers_with_units_and_defaults(app, client, world):
    login(client, world.emails["funder_a"])
    path = f"/financeur/dispositifs/{world.programme_a}/seuils"
    form_page = f"/financeur/dispositifs/{world.programme_a}/modifier"
    with db(app) as s:
        before = s.get(Programme, world.programme_a).fraud_thresholds
    page = text(client.get(form_page))
    assert 'name="fraud_thresholds"' not in page  # no JSON box
    assert 'id="seuil__book_per_day__max"' in page and "Par défaut : 2 chèques (de 1 à 50)" in page
    assert 'value="300"' in page and '<span class="unit">%</span>' in page
    bad = post(client, path, {**SHOWN, "seuil__book_per_day__max": "deux"}, form_page=form_page)
    body = text(bad)
    assert bad.status_code == 422 and "écrivez un nombre entier, entre 1 et 50 chèques" in body
    assert 'href="#seuil__book_per_day__max"' in body and 'aria-invalid="true"' in body
    assert 'value="deux"' in body  # what was typed is still there to fix
    high = post(client, path, {**SHOWN, "seuil__book_per_day__max": "51"}, form_page=form_page)
    assert high.status_code == 422 and "la valeur doit être entre 1 et 50 chèques" in text(high)
    with db(app) as s:
        assert (
            s.get(Programme, world.programme_a).fraud_thresholds == before
        )  # bad input, no change
    good = post(
        client,
        path,
        {**SHOWN, "seuil__book_per_day__max": "3", "seuil__book_per_day__outcome": "flag"},
        form_page=form_page,
    )
    assert good.status_code == 303
    with db(app) as s:
        saved = s.get(Programme, world.programme_a).fraud_thresholds
        # only what differs from the defaults is stored; rules not posted keep nothing
        assert saved == {"book_per_day": {"max": 3, "outcome": "flag"}}, before
    off = post(client, path, {"seuil__book_per_day__shown": "1"}, form_page=form_page)
    assert off.status_code == 303
    with db(app) as s:
        assert s.get(Programme, world.programme_a).fraud_thresholds == {
            "book_per_day": {"active": False}
        }


def test_acceptance_lists_structures_zones_and_labels(app, client, world):
    login(client, world.emails["funder_a"])
    form_page = f"/financeur/dispositifs/{world.programme_a}/modifier"
    assert " multiple" not in text(client.get(form_page))  # no Ctrl+click list
    done = post(
        client,
        f"/financeur/dispositifs/{world.programme_a}/acceptation",
        {
            "structures_shown": "1",
            "structures": [str(world.structure_a)],
            "labels": ["Pass numérique", "Label, avec virgule"],
            "label_new": "Label B",
        },
        form_page=form_page,
    )
    assert done.status_code == 303
    page = text(client.get(form_page))
    assert (
        f'id="structure-{world.structure_a}" name="structures" value="{world.structure_a}" checked'
        in page
    )
    for name in ("Label B", "Label, avec virgule", "Pass numérique"):
        assert f'name="labels" value="{name}" checked' in page  # one chip each, never split


def test_issue_fund_and_activate_a_batch_from_the_desk(app, client, world):
    login(client, world.emails["funder_a"])
    programme = f"/financeur/dispositifs/{world.programme_a}"
    issued = post(
        client,
        programme + "/lots",
        {"prescriber_id": world.prescriber_a, "books": "2"},
        form_page=programme,
    )
    assert issued.status_code == 303
    batch_page = text(client.get(issued.headers["Location"]))
    assert "Relire l'épreuve" in batch_page and "Activer le lot" in batch_page
    with db(app) as s:
        batch_id = s.scalar(select(func.max(Batch.id)))
    too_early = post(
        client, f"/financeur/lots/{batch_id}/activer", form_page=f"/financeur/lots/{batch_id}"
    )
    assert too_early.status_code == 422 and "ne couvrent pas ce lot" in text(too_early)
    funds = post(
        client,
        programme + "/versements",
        {
            "funder_id": world.funder_a,
            "amount": "200,00",
            "received_on": "2026-02-01",
            "reference": "Convention",
        },
        form_page=programme,
    )
    assert funds.status_code == 303 and "Versement enregistré" in text(
        client.get(funds.headers["Location"])
    )
    assert (
        post(
            client, f"/financeur/lots/{batch_id}/activer", form_page=f"/financeur/lots/{batch_id}"
        ).status_code
        == 303
    )
    with db(app) as s:
        assert s.get(Batch, batch_id).status == "active"
        assert ledger_audit.verify(s).ok


def test_a_lost_book_is_reported_and_its_vouchers_cancelled(app, client, world):
    login(client, world.emails["funder_a"])
    programme = f"/financeur/dispositifs/{world.programme_a}"
    other = post(
        client,
        programme + "/carnet-perdu",
        {"serial": str(world.first_serial_b), "reason": "lost"},
        form_page=programme,
    )
    assert other.status_code == 422 and f"Aucun carnet n° {world.first_serial_b}" in text(other)
    done = post(
        client,
        programme + "/carnet-perdu",
        {"serial": str(world.first_serial_a + 1), "reason": "stolen"},
        form_page=programme,
    )
    assert done.status_code == 303
    with db(app) as s:
        book = s.scalars(select(Book).where(Book.serial == world.first_serial_a + 1)).one()
        states = set(s.scalars(select(Voucher.state).where(Voucher.book_id == book.id)))
        assert book.status == "stolen" and states == {"cancelled"}
        other_book = s.scalars(select(Book).where(Book.serial == world.first_serial_b)).one()
        assert other_book.status == "in_stock"


def test_the_follow_up_shows_figures_and_an_accessible_chart(app, client, world):
    login(client, world.emails["reception_a"])
    from tests.web.desk.test_desk import scan

    scan(client, world.codes_a[0])
    login(client, world.emails["funder_a"])
    page = text(client.get(f"/financeur/dispositifs/{world.programme_a}"))
    assert "Carnets" in page and "Chèques encaissés" in page and "Payé aux lieux" in page
    assert '<svg role="img" aria-label="Suivi de Pass A' in page
    assert page.count("<script") == 2 and 'src="/static/js/tables.js"' in page  # no chart JS
    assert "<dd>300,00\u00a0€</dd>" in page  # committed: 3 books of 10 vouchers of 10 €
    assert "<dd>10,00\u00a0€</dd>" in page and "<dd>1 / 30</dd>" in page  # one voucher redeemed


def test_the_national_places_file_is_imported_and_bad_files_change_nothing(app, client, world):
    login(client, world.emails["funder_a"])

    def upload(name: str, content: bytes | None = None):
        data = content if content is not None else (FILES / name).read_bytes()
        data = data.replace(b"SIRET_1", f.siret().encode()).replace(b"SIRET_2", f.siret().encode())
        import io

        page = client.get("/financeur/organisations")
        from tests.web.workspace_world import token

        return client.post(
            "/financeur/organisations/import",
            data={
                "file": (io.BytesIO(data), name),
                "import_structure": "1",
                "csrf_token": token(page),
            },
            content_type="multipart/form-data",
        )

    def organisations() -> int:
        with db(app) as s:
            return s.scalar(select(func.count()).select_from(Organisation))

    before = organisations()
    bad = upload("lieux_bad.csv")
    assert bad.status_code == 422
    assert "ligne 3 : SIRET invalide (12345678901234)" in text(
        bad
    ) and "ligne 4 : champ vide : code_postal" in text(bad)
    latin = upload("lieux_latin1.csv")
    assert latin.status_code == 422 and "UTF-8" in text(latin)
    missing = upload("lieux_missing_columns.csv")
    assert missing.status_code == 422 and "Colonnes obligatoires absentes" in text(missing)
    empty = upload("vide.csv", b"")
    assert empty.status_code == 422 and "aucun lieu" in text(empty)
    assert organisations() == before
    posted = upload("lieux.csv")
    assert posted.status_code == 303  # POST-redirect-GET: a reload never imports twice
    good = client.get("/financeur/organisations")
    assert "2 organisations créées, 1 lignes ignorées" in text(good)
    assert "sans SIRET" in text(good)
    assert "sans SIRET" not in text(client.get("/financeur/organisations"))
    assert upload("lieux.json").status_code == 303
    assert organisations() == before + 3
    with db(app) as s:
        org = s.scalars(
            select(Organisation).where(Organisation.name == "Espace numérique du Marais")
        ).one()
        assert (org.street_number, org.street, org.commune_insee, org.is_structure) == (
            "12 bis",
            "rue des Écoles",
            "86194",
            True,
        )
        assert org.services == "Prendre en main un ordinateur|Accéder à des droits"


def test_a_pilot_zone_is_created_from_lines_of_communes(app, client, world):
    login(client, world.emails["funder_a"])
    bad = post(client, "/financeur/zones", {"name": "Sud", "kind": "rural", "communes": "8616\n"})
    assert bad.status_code == 422 and "Code commune INSEE invalide" in text(bad)
    done = post(
        client,
        "/financeur/zones",
        {
            "name": "Sud Vienne",
            "kind": "rural",
            "communes": "86165 ; Montmorillon ; 3\n86140;Lussac-les-Châteaux;3\n",
        },
    )
    assert done.status_code == 303
    with db(app) as s:
        zone = s.scalars(select(PilotZone).where(PilotZone.name == "Sud Vienne")).one()
        assert [c.insee_code for c in zone.communes] == ["86140", "86165"]


def test_bank_details_are_validated_by_a_second_person(app, client, world):
    org = f"/financeur/organisations/{world.structure_a}"
    login(client, world.emails["funder_a"])
    bad = post(client, org + "/rib", {"holder_name": "EPN A", "iban": "FR76 0000"}, form_page=org)
    assert bad.status_code == 422 and "IBAN invalide" in text(bad)
    assert (
        post(
            client,
            org + "/rib",
            {"holder_name": "EPN A", "iban": "FR76 3000 6000 0112 3456 7890 189"},
            form_page=org,
        ).status_code
        == 303
    )
    with db(app) as s:
        account = s.scalars(
            select(BankAccount).where(BankAccount.organisation_id == world.structure_a)
        ).one()
    page = text(client.get(org))
    assert (
        "une autre personne doit les valider" in page and f"/rib/{account.id}/valider" not in page
    )
    same = post(client, f"{org}/rib/{account.id}/valider", form_page=org)
    assert same.status_code == 422 and "autre personne" in text(same)
    login(client, world.emails["funder_a2"])
    assert post(client, f"{org}/rib/{account.id}/valider", form_page=org).status_code == 303
    with db(app) as s:
        assert s.get(BankAccount, account.id).status == "validated"


def test_proof_then_approval_then_production_and_printer_files_are_downloaded(app, client, world):
    import pytest

    pytest.importorskip("voucher.services.printing.production")
    login(client, world.emails["funder_a"])
    page = f"/financeur/lots/{world.batch_a}"
    early = post(client, page + "/production", form_page=page, buffered=True)
    assert early.status_code == 409 and "pas encore validée" in text(early)
    proof = post(client, page + "/epreuve", form_page=page, buffered=True)
    assert proof.status_code == 200 and proof.mimetype == "application/pdf"
    assert proof.data.startswith(b"%PDF") and "epreuve" in proof.headers["Content-Disposition"]
    import hashlib

    shown = hashlib.sha256(proof.data).hexdigest()
    assert shown[:16] in text(client.get(page))  # the page names the proof to approve
    assert post(client, page + "/approuver", {"proof": "0" * 64}, form_page=page).status_code == 422
    assert post(client, page + "/approuver", {"proof": shown}, form_page=page).status_code == 303
    assert "Cette épreuve est validée" in text(client.get(page))
    production = post(client, page + "/production", form_page=page, buffered=True)
    assert production.status_code == 200 and production.data.startswith(b"%PDF")
    csv = post(client, page + "/imprimeur.csv", form_page=page, buffered=True)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert world.codes_a[0] in csv.get_data(as_text=True)
    with db(app) as s:
        actions = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.like("print.%"),
                AuditEvent.actor_user_id == world.user_ids["funder_a"],
            )
        )
        assert sorted(actions) == [
            "print.csv",
            "print.production",
            "print.proof",
            "print.proof_approve",
        ]
        assert (
            s.get(Batch, world.batch_a).print_sha256 == hashlib.sha256(production.data).hexdigest()
        )
    other = post(client, f"/financeur/lots/{world.batch_b}/epreuve", form_page=page)
    assert other.status_code == 404


def test_a_large_batch_from_the_desk_is_followed_on_its_task_page(
    app, client, world, tmp_path, monkeypatch
):
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))  # the job queue's file
    queue.queue.cache_clear()
    app.config["ASYNC_BATCH_BOOKS"] = 3
    login(client, world.emails["funder_a"])
    programme = f"/financeur/dispositifs/{world.programme_a}"
    with db(app) as s:
        batches_before = s.scalar(select(func.count()).select_from(Batch))
    sent = post(
        client,
        programme + "/lots",
        {"prescriber_id": world.prescriber_a, "books": "3"},
        form_page=programme,
    )
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/taches/")
    page = client.get(sent.headers["Location"])
    body = text(page)
    assert page.status_code == 200 and "en attente" in body and "0 sur 3" in body
    assert 'http-equiv="refresh"' in page.get_data(as_text=True)  # no script: the CSP holds
    with db(app) as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == batches_before
    login(client, world.emails["funder_b"])
    assert client.get(sent.headers["Location"]).status_code == 404
    queue.queue.cache_clear()


def test_the_funder_lands_on_a_dashboard_of_its_own_programmes(app, client, world):
    from tests.web.desk.test_desk import scan
    from tests.web.prescriber.test_prescriber import PROFILE
    from voucher.db.models import PilotZoneCommune

    with db(app) as s:
        zone = PilotZone(name="Grand Poitiers", kind="urban")
        s.add(zone)
        s.flush()
        s.add(PilotZoneCommune(zone_id=zone.id, insee_code="86194", name="Poitiers"))
    login(client, world.emails["prescriber_a"])
    handed = post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_a), "local_reference": "DOSSIER-TABLEAU", **PROFILE},
    )
    assert handed.status_code == 303
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[0])
    login(client, world.emails["funder_a"])
    landing = client.get("/financeur/")
    page = text(landing)
    assert "Vos dispositifs en chiffres" in page and "Pass A" in page
    assert "Pass B" not in page  # another funder's programme shows nowhere
    figures = dict(
        (label, value)
        for label, value in __import__("re").findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page)
    )
    assert figures["Carnets émis"] == "3" and figures["Remis"] == "1"
    assert figures["Commencés"] == "1" and figures["Terminés"] == "0"
    assert figures["En circulation"] == "90,00\u00a0€"  # 9 unused vouchers of 10 € in hand
    zone_row = page[page.index("Grand Poitiers") :]
    assert "<td>1</td><td>1</td><td>0</td>" in zone_row.replace(" ", "")[:300]
    assert "Rien à signaler" in page
    assert (
        '<svg role="img" aria-label="Vos dispositifs' in page
        and "Tableau des chiffres par mois" in page
    )
    programme_page = text(client.get(f"/financeur/dispositifs/{world.programme_a}"))
    assert "Évolution cumulée par mois" in programme_page
    assert "Tableau des chiffres par mois" in programme_page and "<td>1</td>" in programme_page
