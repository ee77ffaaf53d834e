"""Each role lands on its work after signing in (no detour through the programme-wide
figures): reception on the scan desk, prescriber on its carnets, funder on its programmes,
finance on the month overview, evaluator on the impact page, administrator on people.
An explicit ``next`` page wins, but only on this site."""

from __future__ import annotations

import pytest

from tests.web.workspace_world import PASSWORD, token
from voucher.web.limits import limiter

LANDS = [
    ("reception_a", "/accueil/"),
    ("prescriber_a", "/prescripteur/"),
    ("funder_a", "/financeur/"),
    ("finance", "/finance"),
    ("evaluator", "/impact"),
    ("admin", "/admin/"),
]


def sign_in(client, email: str, query: str = ""):
    limiter.reset()
    page = client.get("/connexion")
    return client.post(
        "/connexion" + query,
        data={"email": email, "password": PASSWORD, "csrf_token": token(page)},
    )


@pytest.mark.parametrize(("who", "path"), LANDS)
def test_each_role_lands_on_its_work(client, world, who, path):
    done = sign_in(client, world.emails[who])
    assert done.status_code == 302 and done.headers["Location"] == path
    assert client.get(path).status_code == 200


def test_next_is_followed_only_on_this_site(client, world):
    email = world.emails["reception_a"]
    assert sign_in(client, email, "?next=/aide/").headers["Location"] == "/aide/"
    for evil in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        assert sign_in(client, email, f"?next={evil}").headers["Location"] == "/accueil/"
