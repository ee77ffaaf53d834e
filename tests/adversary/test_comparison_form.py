"""The attacker against the comparison-group form: a funder cannot declare (or learn of) a
group on another funder's programme, cannot replace a declared group, and what it types
is shown as text, never run; every refusal writes nothing."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from tests.web.impact.test_impact_web import impact_app, login  # noqa: F401
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, ComparisonGroup


def _state(app) -> tuple[int, int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return (
            int(s.scalar(select(func.count()).select_from(ComparisonGroup))),
            int(s.scalar(select(func.count()).select_from(AuditEvent))),
        )


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_comparison_form_refuses_other_programmes_replacement_and_runs_nothing(
    impact_app,  # noqa: F811
):
    app, ids = impact_app
    client = app.test_client()
    login(client, "fonda@test.fr")
    own = f"/financeur/dispositifs/{ids['programme']}"
    token = _token(client, own)
    before = _state(app)
    # another funder's programme: not found, as if it did not exist
    other = client.post(
        f"/financeur/dispositifs/{ids['other']}/groupe-comparaison",
        data={"kind": "zone", "label": "Voisins", "csrf_token": token},
    )
    assert other.status_code == 404
    assert "Voisins" not in other.get_data(as_text=True)
    # no token: refused
    assert client.post(f"{own}/groupe-comparaison", data={"kind": "zone"}).status_code in (
        400,
        403,
    )
    assert _state(app) == before
    # a label with markup is stored and shown as text
    label = '<script>alert("x")</script> Zone'
    done = client.post(
        f"{own}/groupe-comparaison", data={"kind": "zone", "label": label, "csrf_token": token}
    )
    assert done.status_code == 303
    page = client.get(own).get_data(as_text=True)
    assert "<script>alert" not in page and html.escape(label, quote=False) in page.replace(
        "&#34;", '"'
    ).replace("&quot;", '"')
    # one group per programme: a second declaration is refused and the first one stays
    after = _state(app)
    again = client.post(
        f"{own}/groupe-comparaison",
        data={"kind": "liste_attente", "label": "Autre", "csrf_token": token},
    )
    assert again.status_code in (400, 409, 422)
    assert _state(app) == after
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        group = s.scalars(select(ComparisonGroup)).one()
        assert (group.kind, group.label) == ("zone", label)
