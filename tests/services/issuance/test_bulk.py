"""The books and vouchers a batch writes in bulk are the rows the rules say, on both
databases (PostgreSQL assembles the vouchers' COPY text itself: every column checked)."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from voucher.db.models import Book, Voucher
from voucher.domain import codes


def test_each_book_gets_its_vouchers_with_the_batchs_values(session):
    w = f.world(session, books=3, activate=False)
    b = w.batch
    found = session.execute(
        select(Book.serial, Book.programme_id, Book.holder_id, Book.status, Voucher)
        .join(Voucher, Voucher.book_id == Book.id)
        .where(Book.batch_id == b.id)
        .order_by(Book.serial, Voucher.position)
    ).all()
    assert len(found) == 30
    serials = list(range(b.first_serial, b.first_serial + 3))
    assert [r.serial for r in found] == [s for s in serials for _ in range(10)]
    assert [r.Voucher.position for r in found] == list(range(1, 11)) * 3
    for r in found:
        v = r.Voucher
        assert (r.programme_id, r.holder_id, r.status) == (
            b.programme_id,
            b.prescriber_id,
            "in_stock",
        )
        assert (v.programme_id, v.face_value_cents, v.state) == (b.programme_id, 1000, "issued")
        assert v.updated_at == b.created_at  # the same moment, read back in UTC
        assert codes.is_valid(v.code)
    assert len({r.Voucher.code for r in found}) == 30
