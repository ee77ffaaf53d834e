"""Evaluator workspace: who sees what, charts served as images, downloads audited, the
research extract behind its grant, and the ``voucher export`` commands."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from io import BytesIO

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests import factories as f
from tests.impact_world import small_world
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent
from voucher.domain.calendar import utcnow
from voucher.services.access import people
from voucher.services.impact import grants, release

PASSWORD = "mot-de-passe-impact"


@pytest.fixture
def impact_app(app):
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        w = small_world(s).world
        other_funder = f.funder(s, "Fondation voisine")
        other = f.programme(s, [(other_funder, 10_000)], name="Dispositif voisin")
        operator = f.prescriber(s, "Laboratoire d'évaluation")
        for email, org, role in (
            ("eval@test.fr", operator.id, "evaluator"),
            ("fonda@test.fr", w.funder_a.id, "funder"),
            ("accueil@test.fr", w.structure.id, "reception"),
        ):
            people.create_user(
                s, f.ACTOR, email=email, name=email, password=PASSWORD, grants=[(org, role)]
            )
        ids = {"programme": w.programme.id, "other": other.id}
    with unit_of_work(engine) as s:  # what readers see is a release: publish one
        publish_now(s)
    return app, ids


def publish_now(session):
    """Publish everything recorded so far (a clock a month and more ahead)."""
    later = utcnow() + timedelta(days=40)
    return release.publish(session, f.ACTOR, period=release.closed_month(later), now=later)


def login(client, email):
    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    return token


def csrf(client, url="/impact"):
    return re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)
    ).group(1)


def test_an_evaluator_sees_indicators_comparison_charts_and_downloads(impact_app, client):
    _app, ids = impact_app
    login(client, "eval@test.fr")
    page = client.get("/impact")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rural et urbain" in body and "Secret statistique" in body and "Télécharger" in body
    assert "dossier-alice" not in body
    for name in ("mois", "entonnoir", "delais", "autonomie"):
        svg = client.get(f"/impact/graphique/{name}.svg")
        png = client.get(f"/impact/graphique/{name}.png?programme={ids['programme']}")
        assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<")
        assert png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/impact?tableau=par_lieu").status_code == 200
    assert client.get("/impact?tableau=inconnu").status_code == 404


def test_downloads_are_post_forms_and_audited(impact_app, client):
    app, _ids = impact_app
    login(client, "eval@test.fr")
    token = csrf(client)
    for fmt, mime in (
        ("csv-fr", "application/zip"),
        ("xlsx", "spreadsheetml"),
        ("pdf", "application/pdf"),
    ):
        answer = client.post(f"/impact/export/{fmt}", data={"csrf_token": token})
        assert answer.status_code == 200 and mime in answer.mimetype
        assert "attachment" in answer.headers["Content-Disposition"]
    assert client.post("/impact/export/csv").status_code == 400  # no CSRF token
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        formats = [
            e.details["format"]
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "impact.export"))
        ]
    assert sorted(formats) == ["csv-fr", "pdf", "xlsx"]


def test_a_funder_sees_only_its_own_programmes(impact_app, client):
    _app, ids = impact_app
    login(client, "fonda@test.fr")
    body = client.get("/impact").get_data(as_text=True)
    assert "Pass numérique test" in body and "Dispositif voisin" not in body
    assert client.get(f"/impact?programme={ids['programme']}").status_code == 200
    assert client.get(f"/impact?programme={ids['other']}").status_code == 404
    assert client.get(f"/impact/graphique/mois.png?programme={ids['other']}").status_code == 404
    assert (
        client.post(
            f"/impact/export/csv?programme={ids['other']}", data={"csrf_token": csrf(client)}
        ).status_code
        == 404
    )


def test_other_roles_and_anonymous_people_cannot_enter(impact_app, client):
    assert client.get("/impact").status_code in (302, 401)
    login(client, "accueil@test.fr")
    assert client.get("/impact").status_code == 403
    assert client.get("/impact/graphique/mois.svg").status_code == 403


def test_research_extract_is_refused_without_a_grant_then_given_with_one(impact_app, client):
    app, ids = impact_app
    login(client, "eval@test.fr")
    token = csrf(client)
    refused = client.post("/impact/extrait-recherche", data={"csrf_token": token, "format": "csv"})
    assert refused.status_code == 403 and "autorisation" in refused.get_data(as_text=True)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        grants.grant(
            s,
            f.ACTOR,
            email="eval@test.fr",
            programme_id=None,
            valid_until=date(2099, 1, 1),
            reason="Convention d'évaluation test",
        )
    assert "Extrait de recherche" in client.get("/impact").get_data(as_text=True)
    given = client.post("/impact/extrait-recherche", data={"csrf_token": token, "format": "csv"})
    assert given.status_code == 200
    with zipfile.ZipFile(BytesIO(given.data)) as z:
        rows = z.read("seances.csv").decode().splitlines()
        readme = "".join(z.read(n).decode() for n in z.namelist() if "LISEZ" in n.upper())
    # three people: fewer than the threshold, so no row leaves, and the README says so
    assert rows[0].startswith("beneficiaire,carnet,") and len(rows) == 1
    assert "3 personne(s) trop rares" in readme
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        outcomes = [
            e.outcome
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "research.extract")
                .order_by(AuditEvent.id)
            )
        ]
    assert outcomes == ["refused", "ok"]


def test_the_commands_publish_closed_months_and_export_the_release(
    impact_app, tmp_path, monkeypatch
):
    app, ids = impact_app
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    from voucher.cli import common
    from voucher.cli.main import main

    shared = app.extensions[
        "voucher.engine"
    ]  # one engine, disposed with the app (no leaked connections)
    monkeypatch.setattr(common, "engine", lambda: shared)

    runner = CliRunner()
    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / f"impact.{fmt}"
        result = runner.invoke(
            main,
            [
                "export",
                "impact",
                "--format",
                fmt,
                "--out",
                str(out),
                "--programme",
                str(ids["programme"]),
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0 and "Secret statistique" in result.output
    low = runner.invoke(main, ["release", "publish", "--threshold", "5"])
    assert low.exit_code == 1 and "threshold_too_low" in low.output
    running = runner.invoke(main, ["release", "publish", "--month", "2099-01"])
    assert running.exit_code == 1 and "release_month_open" in running.output
    bad = runner.invoke(main, ["release", "publish", "--month", "2026-13"])
    assert bad.exit_code == 1 and "release_month_invalid" in bad.output
    second = runner.invoke(main, ["release", "publish"])
    assert second.exit_code == 0 and "Publication n° 2" in second.output, second.output
    listed = runner.invoke(main, ["release", "list"])
    assert listed.output.startswith("1") and "\n2 " in listed.output.replace("\t", " ")
    first = tmp_path / "first.json"
    assert (
        runner.invoke(
            main, ["export", "impact", "--format", "json", "--out", str(first), "--release", "1"]
        ).exit_code
        == 0
    )
    assert '"numero_publication": "1"' in first.read_text(encoding="utf-8")
    denied = runner.invoke(
        main, ["export", "research", "--as", "eval@test.fr", "--out", str(tmp_path / "r.zip")]
    )
    assert denied.exit_code == 1 and "research_not_granted" in denied.output
    granted = runner.invoke(
        main,
        [
            "export",
            "grant-research",
            "--user",
            "eval@test.fr",
            "--until",
            "2099-12-31",
            "--reason",
            "Convention test",
        ],
    )
    assert granted.exit_code == 0, granted.output
    extract = runner.invoke(
        main, ["export", "research", "--as", "eval@test.fr", "--out", str(tmp_path / "r.zip")]
    )
    assert extract.exit_code == 0, extract.output and (tmp_path / "r.zip").exists()


def test_the_navigation_offers_the_impact_workspace_to_evaluators(impact_app, client):
    login(client, "eval@test.fr")
    assert 'href="/impact"' in client.get("/impact").get_data(as_text=True)
