"""What the long-work tests share: a finance scene (two places scanned in September 2026,
the operator's and a funder's staff) and following a job's page to its end."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.engine import unit_of_work
from voucher.services.access import api_keys

WAIT = 300.0  # generous bound on two shared cores; a passing run ends as soon as it is done


@dataclass
class Scene:
    operator_finance: int
    funder_finance: int
    funder_staff: int
    stranger_funder: int
    programme_id: int
    operator_finance_key: str


def scene(app: Any) -> Scene:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = fw.world(s, structures=2)
        for i in range(2):
            fw.scan(s, w, fw.paris(2026, 9, 3 + i), structure=i)
        operator = fw.operator(s)
        key = api_keys.create_key(
            s, f.ACTOR, organisation_id=operator, role="finance", name="comptabilité"
        )
        return Scene(
            operator_finance=fw.person(s, operator).user_id,
            funder_finance=fw.person(s, w.w.funder_a.id).user_id,
            funder_staff=fw.person(s, w.w.funder_a.id, "funder").user_id,
            stranger_funder=fw.person(s, f.funder(s, "Autre fondation").id, "funder").user_id,
            programme_id=w.w.programme.id,
            operator_finance_key=key.secret,
        )


def sign_in(client: Any, user_id: int) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True


def csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def job_path(answer: Any) -> str:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
    location = answer.headers["Location"]
    assert re.fullmatch(r"/taches/\d+", location), location
    return location


def until_finished(client: Any, path: str) -> str:
    """The job's page once the job is done or refused (the page stops reloading)."""
    began = time.monotonic()
    while True:
        page = client.get(path)
        assert page.status_code == 200, page.status_code
        text = page.get_data(as_text=True)
        if 'http-equiv="refresh"' not in text:
            return text
        assert time.monotonic() - began < WAIT, text[-800:]
        time.sleep(0.1)
