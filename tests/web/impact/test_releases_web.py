"""Releases on the web: readers get the latest frozen release, never live figures; the
operator previews live figures (never exported) and publishes a closed month."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests import factories as f
from tests.web.impact.test_impact_web import PASSWORD, csrf, impact_app, login  # noqa: F401
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, ImpactRelease, Redemption
from voucher.services.access import people


def _admin(app) -> None:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        org = f.prescriber(s, "Opérateur du registre")
        people.create_user(
            s,
            f.ACTOR,
            email="ops@test.fr",
            name="ops",
            password=PASSWORD,
            grants=[(org.id, "admin")],
        )


def _figures(page: str) -> str:
    """The page without its per-render form tokens (CSRF, job token)."""
    return re.sub(r'name="(csrf_token|job_token)" value="[^"]*"', "", page)


def test_published_figures_stay_frozen_when_the_data_moves(impact_app, client):  # noqa: F811
    app, _ids = impact_app
    login(client, "eval@test.fr")
    before = client.get("/impact?tableau=par_population").get_data(as_text=True)
    assert "Publication n° 1" in before
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        frozen = s.scalars(select(ImpactRelease)).one().views
        scan = s.scalars(select(Redemption).where(Redemption.status == "accepted")).first()
        scan.status = "cancelled"  # the data moves after the release
    after = client.get("/impact?tableau=par_population").get_data(as_text=True)
    assert _figures(after) == _figures(before)
    with unit_of_work(engine) as s:
        assert s.scalars(select(ImpactRelease)).one().views == frozen
    token = csrf(client)
    answer = client.post("/impact/export/json", data={"csrf_token": token})
    assert b'"numero_publication": "1"' in answer.data
    assert "impact-publication-1" in answer.headers["Content-Disposition"]


def test_without_a_release_readers_get_a_french_message_not_live_figures(app, client):
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        org = f.prescriber(s, "Laboratoire")
        people.create_user(
            s,
            f.ACTOR,
            email="e@test.fr",
            name="e",
            password=PASSWORD,
            grants=[(org.id, "evaluator")],
        )
    login(client, "e@test.fr")
    page = client.get("/impact")
    body = page.get_data(as_text=True)
    assert page.status_code == 200  # evaluators land here: a page, not an error
    assert "Aucune publication" in body and "Chiffres clés" not in body
    token = csrf(client)
    assert client.post("/impact/export/csv", data={"csrf_token": token}).status_code == 404


def test_the_operator_previews_and_publishes_readers_cannot(impact_app, client):  # noqa: F811
    app, _ids = impact_app
    _admin(app)
    login(client, "eval@test.fr")
    assert client.get("/impact/apercu").status_code == 403
    client.post("/deconnexion", data={"csrf_token": csrf(client)})
    login(client, "ops@test.fr")
    page = client.get("/impact/apercu")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "ni exporté" in body and "/impact/export" not in body
    # the evaluation's tables are in the operator's live preview too (never exported)
    page = client.get("/impact/apercu", query_string={"tableau": "autonomie_par_personne"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Autonomie par personne" in body
    assert "/impact/export" not in body
    token = csrf(client, "/impact/apercu")
    refused = client.post("/impact/publier", data={"csrf_token": token, "mois": "2099-01"})
    assert refused.status_code == 302
    assert "pas terminé" in client.get("/impact/apercu").get_data(as_text=True)
    done = client.post(
        "/impact/publier", data={"csrf_token": token, "mois": "2026-03", "seuil": "11"}
    )
    assert done.status_code == 302
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        numbers = [
            r.number for r in s.scalars(select(ImpactRelease).order_by(ImpactRelease.number))
        ]
        audited = s.scalars(select(AuditEvent).where(AuditEvent.action == "impact.release")).all()
    assert numbers == [1, 2] and len(audited) == 2
