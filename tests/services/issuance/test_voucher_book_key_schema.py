"""Migration 0038_voucher_book_key: a voucher's one foreign key ``(book_id, programme_id)``
to its book, in place of two, on both databases. It matches the models, goes down and up,
keeps scanned vouchers and their scans (SQLite rebuilds ``voucher`` while scans refer to
it), and the database then refuses a voucher whose programme is not its book's."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests.schema import model_diffs
from tests.services.redemption.test_redeem import RECEPTION, first_code, scan
from voucher.db.engine import unit_of_work
from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Book, Redemption, Voucher
from voucher.services.issuance import handout
from voucher.services.redemption import redeem

AT = "0038_voucher_book_key"  # on PostgreSQL, 0042 checks the same key by triggers
BEFORE = f"{AT}-1"


def _keys(engine) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        k["name"]: (k["referred_table"], tuple(k["constrained_columns"]))
        for k in inspect(engine).get_foreign_keys("voucher")
    }


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "voucher", "book") == []
    command.downgrade(alembic_config(fresh_engine), AT)
    assert _keys(fresh_engine) == {
        "fk_voucher_book_programme": ("book", ("book_id", "programme_id"))
    }
    command.downgrade(alembic_config(fresh_engine), BEFORE)
    assert _keys(fresh_engine) == {
        "fk_voucher_book_id_book": ("book", ("book_id",)),
        "fk_voucher_programme_id_programme": ("programme", ("programme_id",)),
    }
    upgrade(fresh_engine)
    assert model_diffs(fresh_engine, "voucher", "book") == []


def test_upgrading_keeps_vouchers_their_scans_and_every_index(fresh_engine, backend):
    """Scanned vouchers written by today's code, then the schema taken down past 0038 and
    up again (the services of today need today's schema, so they write first)."""
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=2)
        handout.hand_out(
            s,
            f.ACTOR,
            serial=w.batch.first_serial,
            prescriber_id=w.prescriber.id,
            profile=f.profile(),
            key=f.KEY,
        )
        redeem.redeem(s, RECEPTION, scan(w, first_code(s, w.batch.id)))
    command.downgrade(alembic_config(fresh_engine), BEFORE)
    indexes = {i["name"] for i in inspect(fresh_engine).get_indexes("voucher")}
    upgrade(fresh_engine)
    assert {i["name"] for i in inspect(fresh_engine).get_indexes("voucher")} == indexes
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(Voucher)) == 20
        scanned = s.scalar(select(Redemption.voucher_id))
        assert s.scalar(select(Voucher.state).where(Voucher.id == scanned)) == "redeemed"
        if backend == "sqlite":  # on again after the migrations turned them off
            assert s.scalar(text("PRAGMA foreign_keys")) == 1


def test_the_database_refuses_a_voucher_whose_programme_is_not_its_books(session):
    w = f.world(session, books=1, activate=False)
    other = f.programme(session, [(w.funder_a, 10_000)], name="Autre programme")
    book = session.scalars(select(Book).where(Book.batch_id == w.batch.id)).one()
    columns = "code, book_id, programme_id, position, face_value_cents, state, updated_at"
    values = "'{code}', {book}, {programme}, 11, 1000, 'issued', '2026-01-01 00:00:00'"
    with pytest.raises(IntegrityError), session.begin_nested():
        row = values.format(code="9" * 24, book=book.id, programme=other.id)
        session.execute(text(f"INSERT INTO voucher ({columns}) VALUES ({row})"))
    with pytest.raises(IntegrityError), session.begin_nested():  # nor moved to another one
        session.execute(
            text("UPDATE voucher SET programme_id = :p WHERE book_id = :b"),
            {"p": other.id, "b": book.id},
        )
    with session.begin_nested():  # while its own programme is accepted
        row = values.format(code="8" * 24, book=book.id, programme=w.programme.id)
        session.execute(text(f"INSERT INTO voucher ({columns}) VALUES ({row})"))
