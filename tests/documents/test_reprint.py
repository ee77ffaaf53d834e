"""Replacing a damaged book: its unused vouchers are cancelled and issued again with new
codes in a new book; the ledger stays balanced and the old codes are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, Book, JournalEntry, PrintFile, Voucher, VoucherReplacement
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import batches, books, funds, handout
from voucher.services.printing import reprint
from voucher.services.redemption import redeem


def _vouchers(session, book_id):
    return session.execute(
        select(Voucher.position, Voucher.code, Voucher.state)
        .where(Voucher.book_id == book_id)
        .order_by(Voucher.position)
    ).all()


def _redeem(session, p, code):
    return redeem.redeem(
        session,
        f.ACTOR,
        redeem.Scan(code=code, structure_id=p.world.structure.id, theme="email"),
    )


def test_a_handed_out_book_half_used_is_replaced_without_creating_value(session, printing_world):
    p, w = printing_world, printing_world.world
    pw.approve(session, p)
    serial = w.batch.first_serial
    handout.hand_out(
        session,
        f.ACTOR,
        serial=serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile(),
        key=f.KEY,
    )
    old_book = books.get_book(session, serial)
    old = _vouchers(session, old_book.id)
    for _, code, _ in old[:2]:
        _redeem(session, p, code)
    outstanding = journal.balance(session, ledger.outstanding(w.programme.id, w.prescriber.id))
    entries = session.scalar(select(func.count()).select_from(JournalEntry))

    link = reprint.replace_book(session, p.funder, serial, reason="carnet mouillé")

    new_book = session.get(Book, link.new_book_id)
    assert (old_book.status, new_book.status) == ("replaced", "handed_out")
    assert (new_book.batch_id, new_book.holder_id, new_book.beneficiary_id) == (
        old_book.batch_id,
        old_book.holder_id,
        old_book.beneficiary_id,
    )
    assert new_book.serial > w.batch.first_serial + w.batch.books_count - 1
    new = _vouchers(session, new_book.id)
    assert [v.position for v in new] == list(range(3, 11)) and {v.state for v in new} == {
        "distributed"
    }
    assert not {v.code for v in new} & {v.code for v in old}
    assert [v.state for v in _vouchers(session, old_book.id)] == ["redeemed"] * 2 + [
        "cancelled"
    ] * 8
    assert session.scalar(select(func.count()).select_from(VoucherReplacement)) == 8
    # the same value sits in the same account, and the whole ledger still audits clean
    assert (
        journal.balance(session, ledger.outstanding(w.programme.id, w.prescriber.id)) == outstanding
    )
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    report = ledger_audit.verify(session)
    assert report.ok, report.problems
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "book.replace")).one()
    assert event.details["new_serial"] == new_book.serial and event.details["vouchers"] == 8
    assert event.details["reason"] == "carnet mouillé"
    # at the desk: an old code is refused, its replacement accepted
    with pytest.raises(DomainError) as exc:
        _redeem(session, p, old[2].code)
    assert exc.value.code == "cancelled"
    assert _redeem(session, p, new[0].code).status == "accepted"
    assert ledger_audit.verify(session).ok


def test_an_unfunded_book_is_replaced_in_the_memorandum_accounts(session):
    p = pw.world(session, books=2, activate=False)
    pw.approve(session, p)
    link = reprint.replace_book(
        session, p.funder, p.world.batch.first_serial + 1, reason="mal imprimé"
    )
    assert {v.state for v in _vouchers(session, link.new_book_id)} == {"issued"}
    assert ledger_audit.verify(session).ok
    # activation later funds the replacement, not the cancelled vouchers
    for funder in (p.world.funder_a, p.world.funder_b):
        funds.record_funds_received(
            session,
            f.ACTOR,
            programme_id=p.world.programme.id,
            funder_id=funder.id,
            amount_cents=10_000,
            received_on=p.world.programme.valid_from,
        )
    batches.activate_batch(session, f.ACTOR, p.batch_id)
    assert (
        journal.balance(session, ledger.outstanding(p.world.programme.id, p.world.prescriber.id))
        == -20_000
    )
    assert ledger_audit.verify(session).ok


def test_what_cannot_be_replaced(session, printing_world):
    p, w = printing_world, printing_world.world
    first = w.batch.first_serial
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(session, p.funder, first, reason="abîmé")
    assert exc.value.code == "proof_not_approved"
    pw.approve(session, p)
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(
            session,
            Actor(label="prescripteur", organisation_id=w.prescriber.id, role="prescriber"),
            first,
            reason="abîmé",
        )
    assert exc.value.code == "forbidden"
    reprint.replace_book(session, p.funder, first, reason="abîmé")
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(session, p.funder, first, reason="abîmé")
    assert exc.value.code == "book_already_replaced"
    books.report_book(session, f.ACTOR, first + 1, reason="lost")
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(session, p.funder, first + 1, reason="abîmé")
    assert exc.value.code == "book_unusable"
    handout.hand_out(
        session,
        f.ACTOR,
        serial=first + 2,
        prescriber_id=w.prescriber.id,
        profile=f.profile(),
        key=f.KEY,
    )
    for _, code, _ in _vouchers(session, books.get_book(session, first + 2).id):
        _redeem(session, p, code)
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(session, p.funder, first + 2, reason="abîmé")
    assert exc.value.code == "nothing_to_replace"
    with pytest.raises(DomainError) as exc:
        reprint.replace_book(session, p.funder, first + 2, reason="  ")
    assert exc.value.code == "invalid_value"
    assert ledger_audit.verify(session).ok


def test_the_replacement_book_prints_its_new_codes_and_says_what_it_replaces(
    session, printing_world
):
    p = printing_world
    pw.approve(session, p)
    first = p.world.batch.first_serial
    link = reprint.replace_book(session, p.funder, first, reason="déchiré")
    new_serial = reprint.new_serial(session, link)
    job = reprint.replacement_print(session, p.funder, new_serial)
    data = b"".join(job.chunks())
    assert pw.decode_pages(data) == [v.code for v in _vouchers(session, link.new_book_id)]
    cover = pw.page_texts(data)[0]
    assert f"Carnet n° {new_serial:06d}" in cover and f"remplace le carnet n° {first:06d}" in cover
    row = session.get(PrintFile, job.result.print_file_id)
    assert (row.kind, row.book_id, row.sha256) == (
        "replacement",
        link.new_book_id,
        job.result.sha256,
    )
    with pytest.raises(DomainError) as exc:
        reprint.replacement_print(session, p.funder, first + 1)
    assert exc.value.code == "not_a_replacement"
