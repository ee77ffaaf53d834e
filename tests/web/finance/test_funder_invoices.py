"""Funders' documents through the real app: finance issues a batch's quote and invoice,
downloads the Factur-X invoice and a funder's statement; the funder sees and downloads its
own invoices and statement, never another funder's; bad input changes nothing."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories as f
from tests.services.finance import finance_world as fw
from tests.services.finance.test_funder_documents import check_facturx
from tests.web.finance.test_finance import sign_in, token
from voucher.db.engine import unit_of_work
from voucher.db.models import FunderDocument, FundsReceived


def test_finance_issues_and_the_funder_downloads_its_own_documents(app, client):
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        w = fw.world(s, books=3)
        finance = fw.person(s, fw.operator(s)).user_id
        funder_a = fw.person(s, w.w.funder_a.id, "funder").user_id
        funder_b = fw.person(s, w.w.funder_b.id, "funder").user_id
        stranger = fw.person(s, f.funder(s, "Autre fondation").id, "funder").user_id
        batch, programme, fa = w.w.batch.id, w.programme_id, w.w.funder_a.id
    sign_in(client, finance)
    csrf = token(client, "/finance/factures")
    bad = client.post("/finance/factures/emettre", data={"csrf_token": csrf, "batch_id": "x"})
    assert bad.status_code in (303, 422)
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(FunderDocument)) == 0
    for kind in ("quote", "invoice"):
        made = client.post(
            "/finance/factures/emettre",
            data={"csrf_token": csrf, "batch_id": str(batch), "kind": kind},
        )
        assert made.status_code == 303
    page = client.get("/finance/factures").get_data(as_text=True)
    with unit_of_work(engine) as s:
        numbers = {(d.kind, d.funder_id): d.number for d in s.scalars(select(FunderDocument))}
    mine = numbers[("invoice", fa)]
    assert mine in page and "à payer" in page
    got = client.get(f"/finance/factures/{mine}.pdf")
    assert got.status_code == 200
    check_facturx(got.data, mine, "150,00 €")
    xlsx = client.get(
        f"/finance/releve-financeur?financeur={fa}&dispositif={programme}"
        "&du=2026-01-01&au=2026-12-31&format=xlsx"
    )
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data))["Relevé"]
    assert {r[0]: r for r in ws.iter_rows(min_row=8, values_only=True)}["received"][4] == 300

    sign_in(client, funder_a)
    own = client.get("/financeur/factures").get_data(as_text=True)
    assert mine in own and numbers[("invoice", w.w.funder_b.id)] not in own
    assert client.get(f"/financeur/factures/{mine}.pdf").status_code == 200
    other = numbers[("invoice", w.w.funder_b.id)]
    assert client.get(f"/financeur/factures/{other}.pdf").status_code == 404
    csrf = token(client, f"/financeur/dispositifs/{programme}")

    def pay(amount: str):
        return client.post(
            f"/financeur/dispositifs/{programme}/versements",
            data={"csrf_token": csrf, "funder_id": str(fa), "amount": amount, "invoice": mine},
        )

    over = pay("200,00")  # more than the 150 € due: refused, nothing recorded
    assert over.status_code in (409, 422) and "reste à payer" in over.get_data(as_text=True)
    assert pay("40,00").status_code == 303
    with unit_of_work(engine) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(FundsReceived)
                .where(FundsReceived.invoice_id.isnot(None))
            )
            == 1
        )
    assert "partiellement payée" in client.get("/financeur/factures").get_data(as_text=True)
    pdf = client.get(f"/financeur/releve?dispositif={programme}&du=2026-01-01&au=2026-12-31")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    backwards = client.get(f"/financeur/releve?dispositif={programme}&du=2026-12-31&au=2026-01-01")
    assert backwards.status_code == 422 and "invalid_statement_period" in backwards.get_data(
        as_text=True
    )
    sign_in(client, funder_b)
    assert client.get(f"/financeur/factures/{mine}.pdf").status_code == 404
    sign_in(client, stranger)
    assert (
        client.get(
            f"/financeur/releve?dispositif={programme}&du=2026-01-01&au=2026-12-31"
        ).status_code
        == 404
    )
    assert client.get("/finance/factures").status_code in (403, 404)


def test_a_funder_downloads_its_own_credit_notes_as_factur_x_and_no_one_elses(app, client):
    from datetime import date

    from voucher.domain import calendar
    from voucher.services.context import SYSTEM
    from voucher.services.finance import credit_notes
    from voucher.services.issuance import expiry

    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        w = fw.world(
            s, books=1, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30), grace_days=31
        )
        with calendar.at(fw.paris(2026, 8, 5)):
            expiry.expire_programme(s, SYSTEM, w.programme_id)
            notes = {
                n.funder_id: (n.id, n.number) for n in credit_notes.issue(s, SYSTEM, w.programme_id)
            }
        funder_a = fw.person(s, w.w.funder_a.id, "funder").user_id
        mine, theirs = notes[w.w.funder_a.id], notes[w.w.funder_b.id]
    sign_in(client, funder_a)
    page = client.get("/financeur/factures").get_data(as_text=True)
    assert mine[1] in page and theirs[1] not in page
    got = client.get(f"/financeur/avoirs/{mine[0]}.pdf")
    assert got.status_code == 200
    check_facturx(got.data, mine[1], "50,00 €")
    assert client.get(f"/financeur/avoirs/{theirs[0]}.pdf").status_code == 404
