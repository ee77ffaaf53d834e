from tests import factories as f
from voucher.db.engine import unit_of_work


def test_home_page_shows_programme_figures_in_french(app, client):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        f.world(s, books=2)
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Pass numérique test" in body and "Carnets émis" in body


def test_unknown_page_answers_404_in_french_without_trace(client):
    page = client.get("/nulle-part")
    assert page.status_code == 404
    assert "Page introuvable" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


def test_login_with_wrong_password_is_refused(client):
    page = client.get("/connexion")
    assert page.status_code == 200
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    bad = client.post(
        "/connexion", data={"email": "x@y.test", "password": "nope", "csrf_token": token}
    )
    assert bad.status_code == 401
    assert "incorrect" in bad.get_data(as_text=True)
