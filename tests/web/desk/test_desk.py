"""The reception desk through the Flask test client: scan, replay, refusals kept in their
own transaction, cancel within the window, photo upload decoded on the server."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from tests.web.workspace_world import login, text, token
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption, RefusedScan
from voucher.services.finance import ledger_audit


def scan(
    client, code: str, scan_id: str = "scan-0000000001", theme: str = "email", fetch: bool = False
):
    page = client.get("/accueil/")
    headers = {"X-Desk": "fetch", "Accept": "application/json"} if fetch else {}
    return client.post(
        "/accueil/scan",
        data={"code": code, "scan_id": scan_id, "theme": theme, "csrf_token": token(page)},
        headers=headers,
    )


def counts(app) -> tuple[int, int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert ledger_audit.verify(s).ok
        return (
            s.scalar(select(func.count()).select_from(Redemption)),
            s.scalar(select(func.count()).select_from(RefusedScan)),
        )


def test_the_desk_page_focuses_one_big_input_and_keeps_the_chosen_theme(app, client, world):
    login(client, world.emails["reception_a"])
    page = client.get("/accueil/")
    body = text(page)
    assert page.status_code == 200
    assert 'id="code"' in body and "autofocus" in body and 'name="scan_id"' in body
    assert (
        "js/codes.js" in body
        and "js/desk.js" in body
        and "http" not in body.split("<script")[1][:80]
    )
    scan(client, world.codes_a[0], theme="sante")
    assert '<option value="sante" selected>' in text(client.get("/accueil/"))


def test_a_voucher_is_accepted_then_already_redeemed_with_the_first_date(app, client, world):
    login(client, world.emails["reception_a"])
    first = scan(client, world.codes_a[2], scan_id="scan-aaaaaaaa01")
    body = text(first)
    assert first.status_code == 200
    assert (
        "Accepté" in body
        and "10,00" in body
        and f"chèque 3/10 — carnet {world.first_serial_a:06d}" in body
    )
    again = scan(client, world.codes_a[2], scan_id="scan-aaaaaaaa02")
    body = text(again)
    assert again.status_code == 409
    assert "Refusé" in body and "Déjà utilisé le" in body and "(ici) — ne pas accepter" in body
    assert counts(app) == (1, 1)  # the refusal was kept although the request was refused


def test_the_same_scan_id_sent_twice_redeems_once_and_shows_the_first_answer(app, client, world):
    login(client, world.emails["reception_a"])
    one = scan(client, world.codes_a[0], scan_id="scan-double-enter")
    two = scan(client, world.codes_a[0], scan_id="scan-double-enter")
    assert one.status_code == two.status_code == 200
    assert "Accepté" in text(two) and "rien n'a été encaissé une seconde fois" in text(two)
    assert counts(app) == (1, 0)


def test_a_mistyped_code_is_refused_before_any_lookup_and_logged(app, client, world):
    login(client, world.emails["reception_a"])
    good = world.codes_a[0]
    typo = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]
    page = scan(client, typo, fetch=True)
    assert page.status_code == 422
    data = json.loads(text(page))
    assert data["code"] == "mistyped_code" and "Code mal saisi" in data["outcome"]
    assert counts(app) == (0, 1)


def test_a_fetch_scan_answers_json_with_fragments_and_a_fresh_token(app, client, world):
    login(client, world.emails["reception_a"])
    res = scan(client, world.codes_a[1], fetch=True)
    data = res.get_json()
    assert res.status_code == 200 and data["kind"] == "accepted"
    assert (
        "chèque 2/10" in data["outcome"] and "Scans d'aujourd'hui" in data["today"] and data["csrf"]
    )


def test_an_azerty_shifted_scan_is_accepted(app, client, world):
    login(client, world.emails["reception_a"])
    shifted = world.codes_a[3].translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    assert "Accepté" in text(scan(client, shifted))


def test_own_scan_can_be_cancelled_within_the_window_and_scanned_again(app, client, world):
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[4], scan_id="scan-to-cancel-1")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        rid = s.scalar(select(Redemption.id))
    page = client.get("/accueil/")
    assert f"/accueil/scans/{rid}/annuler" in text(page)
    done = client.post(f"/accueil/scans/{rid}/annuler", data={"csrf_token": token(page)})
    assert done.status_code == 303
    assert "Scan annulé" in text(client.get("/accueil/"))
    assert "Accepté" in text(scan(client, world.codes_a[4], scan_id="scan-to-cancel-2"))


def test_another_structures_scan_cannot_be_cancelled_and_answers_404(app, client, world):
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[5])
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        rid = s.scalar(select(Redemption.id))
    login(client, world.emails["reception_b"])
    page = client.get("/accueil/")
    assert f"/accueil/scans/{rid}/annuler" not in text(page)
    assert (
        client.post(f"/accueil/scans/{rid}/annuler", data={"csrf_token": token(page)}).status_code
        == 404
    )
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(Redemption, rid).status == "accepted"


def test_a_photo_of_the_barcode_is_decoded_on_the_server(app, client, world):
    from tests.barcode_images import code128_png

    login(client, world.emails["reception_a"])
    image = io.BytesIO(code128_png(world.codes_a[6]))
    page = client.get("/accueil/")
    res = client.post(
        "/accueil/photo",
        data={
            "photo": (io.BytesIO(image.getvalue()), "photo.png"),
            "scan_id": "photo-scan-0001",
            "csrf_token": token(page),
        },
        content_type="multipart/form-data",
    )
    assert res.status_code == 200 and "chèque 7/10" in text(res)
    blank = client.post(
        "/accueil/photo",
        data={"photo": (io.BytesIO(b"not an image"), "x.jpg"), "csrf_token": token(page)},
        content_type="multipart/form-data",
    )
    assert blank.status_code == 422 and "Aucun code-barres lisible" in text(blank)
    assert counts(app) == (1, 0)


def test_a_held_scan_says_it_waits_for_verification(app, client, world):
    from tests import factories as f
    from voucher.services.programmes import editing

    with unit_of_work(app.extensions["voucher.engine"]) as s:
        editing.update_programme(
            s, f.ACTOR, world.programme_a, editing.ProgrammeChanges(handout_policy="hold")
        )
    login(client, world.emails["reception_a"])
    page = scan(client, world.codes_a[7], fetch=True)
    data = page.get_json()
    assert page.status_code == 200 and data["kind"] == "held"
    assert (
        "En attente de vérification" in data["outcome"]
        and "le financeur vérifiera" in data["outcome"]
    )
    again = scan(client, world.codes_a[7], scan_id="scan-held-again", fetch=True).get_json()
    assert again["code"] == "held" and "accepter une seconde fois" in again["outcome"]


def test_repeated_unknown_codes_slow_the_desk_down(app, client, world):
    from voucher.domain import codes as voucher_codes

    login(client, world.emails["reception_a"])
    answers = [
        scan(client, voucher_codes.generate(), scan_id=f"guess-{n:010d}", fetch=True).get_json()[
            "code"
        ]
        for n in range(6)
    ]
    assert answers == ["unknown_code"] * 5 + ["too_many_attempts"]
    assert counts(app) == (0, 5)  # the slow-down itself is not counted as another failure


def test_a_code_one_digit_short_is_told_a_digit_is_missing_not_that_one_is_wrong(
    app, client, world
):
    login(client, world.emails["reception_a"])
    short = scan(client, world.codes_a[0][:23], fetch=True)
    data = json.loads(text(short))
    assert short.status_code == 422 and data["code"] == "mistyped_code"
    assert "il manque 1 chiffre (24 attendus)" in data["outcome"]
    assert "un chiffre est faux" not in data["outcome"]
    long = json.loads(text(scan(client, world.codes_a[0] + "12", fetch=True)))
    assert "2 chiffres en trop" in long["outcome"]
    assert counts(app) == (0, 2)  # nothing redeemed, both refusals logged
