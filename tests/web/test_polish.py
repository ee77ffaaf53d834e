"""Small things a user saw: the 404 page shows no internal code, the impact page does not
label euros as centimes, and the home page says what its percentage is of."""

from __future__ import annotations

from tests.web.workspace_world import login, text


def test_the_404_page_shows_no_internal_code(client):
    page = client.get("/nulle-part")
    assert page.status_code == 404 and "http_404" not in text(page)


def test_the_home_page_says_its_rate_is_of_all_vouchers_issued(client, world):
    login(client, world.emails["funder_a"])
    page = text(client.get("/"))
    assert "sur l'ensemble des chèques émis" in page and "aux seuls chèques remis" in page


def test_measures_in_cents_are_labelled_in_euros_on_pages():
    from voucher.domain import impact

    money = [m for m in impact.BOOK_MEASURES if m.kind == "cents"]
    assert money and all("(centimes)" not in m.shown_label for m in money)
    assert any(m.shown_label.endswith("(€)") for m in money)
