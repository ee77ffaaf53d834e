"""The evaluation page: funder and evaluator see the planner in plain French, the running
pilot's detectable gap and the autonomy outcome; bad input is refused with a message and
changes nothing; other roles do not see it."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from tests.web.impact.test_impact_web import impact_app, login, publish_now  # noqa: F401
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent


def audit_count(app) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)))


def test_funder_plans_a_pilot_in_plain_french(impact_app):  # noqa: F811
    app, ids = impact_app
    client = app.test_client()
    login(client, "fonda@test.fr")
    page = client.get("/impact/evaluation").get_data(as_text=True)
    assert "388 carnets par zone" in page
    assert "il faut remettre au moins 388 carnets dans chaque zone" in page
    assert "Unité : bénéficiaires (personnes)" in page
    # the small world has four carnets: nothing about it is published
    assert "Non publié" in page
    # the newer sections say their unit, and that no comparison group is declared
    assert "Carnets terminés : rural et urbain à public égal" in page
    assert "la personne fait-elle seule la démarche" in page
    assert "Aucun groupe de comparaison" in page
    page = client.get(
        "/impact/evaluation",
        query_string={"resultat": "cheque_utilise", "reference": "40", "ecart": "15"},
    ).get_data(as_text=True)
    assert "effet de plan" in page


def test_bad_input_gives_a_message_and_changes_nothing(impact_app):  # noqa: F811
    app, _ids = impact_app
    client = app.test_client()
    login(client, "eval@test.fr")
    before = audit_count(app)
    for query in (
        {"reference": "abc"},
        {"reference": "150"},
        {"ecart": "0"},
        {"puissance": "100"},
        {"resultat": "<script>"},
    ):
        response = client.get("/impact/evaluation", query_string=query)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert 'role="alert"' in text
        assert "Traceback" not in text and "<script>" not in text
    assert audit_count(app) == before


def test_other_roles_do_not_see_the_evaluation(impact_app):  # noqa: F811
    app, _ids = impact_app
    client = app.test_client()
    login(client, "accueil@test.fr")
    assert client.get("/impact/evaluation").status_code in (302, 403)


def test_other_costs_entered_on_the_command_line_show_on_the_page(impact_app, monkeypatch):  # noqa: F811
    from click.testing import CliRunner

    from voucher.cli import common
    from voucher.cli.main import main

    app, ids = impact_app
    monkeypatch.setattr(common, "engine", lambda: app.extensions["voucher.engine"])
    runner = CliRunner()
    add = ["cost", "add", "--programme", str(ids["programme"])]
    ok = runner.invoke(
        main, [*add, "--kind", "impression", "--amount-cents", "123456", "--label", "Imprimerie"]
    )
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(
        main, [*add, "--kind", "correction", "--amount-cents", "-999999", "--label", "Avoir"]
    )
    assert refused.exit_code == 1 and "cost_below_zero" in refused.output
    listed = runner.invoke(main, ["cost", "list", "--programme", str(ids["programme"])])
    assert listed.exit_code == 0 and "Imprimerie" in listed.output and "Avoir" not in listed.output
    client = app.test_client()
    login(client, "fonda@test.fr")
    page = client.get("/impact/evaluation").get_data(as_text=True)
    assert "1\u202f234,56\u00a0€" in page or "1 234,56" in page.replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    assert "Coût par bénéficiaire" in page


def _token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_the_funder_declares_a_comparison_group_on_the_programme_page(impact_app):  # noqa: F811
    """GOV.UK-style errors by their field, nothing written on a refusal; once declared, the
    group enters the next release and the evaluation page shows the before/after's design
    and limits (its small cells masked)."""
    app, ids = impact_app
    client = app.test_client()
    login(client, "fonda@test.fr")
    path = f"/financeur/dispositifs/{ids['programme']}"
    page = client.get(path)
    assert "Déclarer le groupe de comparaison" in page.get_data(as_text=True)
    before = audit_count(app)
    for data, field, words in (
        ({"kind": "", "label": "Zone voisine"}, "kind", "Choisissez le type de groupe"),
        ({"kind": "tirage", "label": "Zone voisine"}, "kind", "Choisissez le type de groupe"),
        ({"kind": "zone", "label": "  "}, "label", "Donnez un nom au groupe"),
        ({"kind": "zone", "label": "x" * 201}, "label", "Donnez un nom au groupe"),
    ):
        refused = client.post(
            f"{path}/groupe-comparaison", data={**data, "csrf_token": _token(page)}
        )
        text = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code in (400, 409, 422), data
        assert "Il y a un problème" in text and f'href="#{field}"' in text and words in text
        assert f'id="{field}-error"' in text and 'aria-invalid="true"' in text
        assert "Traceback" not in text
    assert audit_count(app) == before
    done = client.post(
        f"{path}/groupe-comparaison",
        data={"kind": "zone", "label": "Zone voisine", "csrf_token": _token(page)},
    )
    assert done.status_code == 303
    shown = html.unescape(client.get(path).get_data(as_text=True))
    assert "Groupe déclaré : <strong>Zone voisine</strong>" in shown
    assert "Déclarer le groupe" not in shown
    again = client.post(
        f"{path}/groupe-comparaison",
        data={"kind": "liste_attente", "label": "Autre", "csrf_token": _token(page)},
    )
    assert again.status_code in (400, 409, 422)
    assert "déjà déclaré" in html.unescape(again.get_data(as_text=True))
    assert audit_count(app) == before + 1
    # the evaluation page shows the latest release, published before the declaration
    query = {"programme": ids["programme"]}
    text = html.unescape(client.get("/impact/evaluation", query_string=query).get_data(True))
    assert "Aucun groupe de comparaison" in text
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        publish_now(s)
    page = client.get("/impact/evaluation", query_string=query)
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "zone de comparaison où aucun carnet n'est remis" in text
    assert "tendances parallèles" in text and "masqué" in text
    assert "publication n° 2" in text
