"""Migration 0042_book_key_per_statement: on PostgreSQL a voucher's key to its book is
checked once per statement by triggers instead of row by row by a foreign key; SQLite
keeps the foreign key. Either way the database refuses the same writes: a bulk write of
vouchers with one of another programme's book (nothing of it written), a book deleted or
given another programme while vouchers refer to it; and on PostgreSQL the books written
to stay locked as a foreign key locks them (a change of their key waits, a change of
holder does not)."""

from __future__ import annotations

import psycopg
import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tests import factories as f
from tests.schema import model_diffs
from voucher.db.engine import unit_of_work
from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Voucher
from voucher.db.models.issuance import BOOK_KEY
from voucher.domain import codes
from voucher.domain.calendar import utcnow
from voucher.services.issuance import bulk

BEFORE = "0042_book_key_per_statement-1"
TRIGGERS = {"voucher_book_key_written", "voucher_book_key_moved", "voucher_book_key_referred"}
SERIALS = 900_000  # far above any serial a world takes


def _schema(engine, backend: str) -> tuple[set[str], set[str]]:
    """The voucher's foreign keys and the key's triggers."""
    keys = {k["name"] for k in inspect(engine).get_foreign_keys("voucher")}
    if backend != "postgresql":
        return keys, set()
    with engine.connect() as conn:
        triggers = conn.scalars(
            text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid IN ('voucher'::regclass, 'book'::regclass)"
            )
        )
        return keys, set(triggers)


def _books(session: Session, w: f.World, programme_id: int, first: int, n: int = 1) -> list[int]:
    """``n`` new books of the programme, without vouchers."""
    serials = range(SERIALS + first, SERIALS + first + n)
    return bulk.write_books(session, w.batch.id, programme_id, w.prescriber.id, "in_stock", serials)


def _write(session: Session, book_ids: list[int], programme_id: int) -> None:
    bulk.write_vouchers(
        session,
        book_ids,
        codes.generate_many(10 * len(book_ids)),
        programme_id=programme_id,
        per_book=10,
        face=1000,
        state="issued",
        now=utcnow(),
    )


def _vouchers(session: Session, book_ids: list[int]) -> int:
    return session.scalar(
        select(func.count()).select_from(Voucher).where(Voucher.book_id.in_(book_ids))
    )


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine, backend):
    postgres = backend == "postgresql"
    at_head = (set() if postgres else {BOOK_KEY}, TRIGGERS if postgres else set())
    with unit_of_work(fresh_engine) as s:
        f.world(s, books=2)
    assert model_diffs(fresh_engine, "voucher", "book") == []
    assert _schema(fresh_engine, backend) == at_head
    command.downgrade(alembic_config(fresh_engine), BEFORE)  # the key back, its rows valid
    assert _schema(fresh_engine, backend) == ({BOOK_KEY}, set())
    upgrade(fresh_engine)
    assert model_diffs(fresh_engine, "voucher", "book") == []
    assert _schema(fresh_engine, backend) == at_head
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(Voucher)) == 20


def test_a_bulk_write_with_one_book_of_another_programme_writes_nothing(session, backend):
    w = f.world(session, books=1, activate=False)
    other = f.programme(session, [(w.funder_a, 10_000)], name="Autre programme")
    own = _books(session, w, w.programme.id, 0, 3)
    foreign = _books(session, w, other.id, 3)
    # one COPY on PostgreSQL, sent by the driver itself: its error is the driver's
    with pytest.raises((IntegrityError, psycopg.IntegrityError)) as refused:
        with session.begin_nested():
            _write(session, [own[0], *foreign, own[1]], w.programme.id)
    if backend == "postgresql":
        assert refused.value.diag.constraint_name == BOOK_KEY  # type: ignore[union-attr]
        assert f"({foreign[0]}, {w.programme.id}) is not present" in str(refused.value)
    assert _vouchers(session, [*own, *foreign]) == 0
    _write(session, own, w.programme.id)  # its own programme's books are accepted
    _write(session, foreign, other.id)
    assert _vouchers(session, [*own, *foreign]) == 40


def test_a_book_with_vouchers_keeps_its_key(session, backend):
    w = f.world(session, books=1, activate=False)
    other = f.programme(session, [(w.funder_a, 10_000)], name="Autre programme")
    used, empty = _books(session, w, w.programme.id, 0, 2)
    _write(session, [used], w.programme.id)
    for change in (
        "DELETE FROM book WHERE id = :b",
        "UPDATE book SET programme_id = :p WHERE id = :b",
        "UPDATE book SET id = id + 1000000 WHERE id = :b",
    ):
        with pytest.raises(IntegrityError) as refused, session.begin_nested():
            session.execute(text(change), {"b": used, "p": other.id})
        if backend == "postgresql":
            assert refused.value.orig.diag.constraint_name == BOOK_KEY  # type: ignore[union-attr]
    assert _vouchers(session, [used]) == 10
    session.execute(  # other columns change freely
        text("UPDATE book SET holder_id = :h, status = 'handed_out' WHERE id = :b"),
        {"h": w.prescriber.id, "b": used},
    )
    session.execute(
        text("UPDATE book SET programme_id = :p WHERE id = :b"), {"p": other.id, "b": empty}
    )
    session.execute(text("DELETE FROM book WHERE id = :b"), {"b": empty})  # no voucher refers to it


def test_the_books_written_to_are_locked_until_the_commit(fresh_engine, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1, activate=False)
        book = _books(s, w, w.programme.id, 0)[0]
        programme_id = w.programme.id
    lock = "SELECT id FROM book WHERE id = :b FOR {} NOWAIT"
    with Session(fresh_engine) as writer, Session(fresh_engine) as other:
        _write(writer, [book], programme_id)  # not committed
        with pytest.raises(OperationalError, match="could not obtain lock"):
            other.execute(text(lock.format("UPDATE")), {"b": book})  # as to delete it
        other.rollback()
        assert other.scalar(text(lock.format("NO KEY UPDATE")), {"b": book}) == book
        other.rollback()
        writer.commit()
        assert other.scalar(text(lock.format("UPDATE")), {"b": book}) == book


def test_under_repeatable_read_a_book_s_key_does_not_change_at_all(fresh_engine, backend):
    """The trigger's check of the vouchers referring to a book needs a fresh snapshot per
    statement: under repeatable read it cannot see a concurrent writer's vouchers, so there
    it refuses the delete outright rather than miss them."""
    if backend != "postgresql":
        pytest.skip("SQLite keeps the foreign key itself")
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1, activate=False)
        [empty] = _books(s, w, w.programme.id, 0)
    with Session(fresh_engine) as s, s.begin():
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        with pytest.raises(IntegrityError) as refused:
            s.execute(text("DELETE FROM book WHERE id = :b"), {"b": empty})
        assert refused.value.orig.diag.constraint_name == BOOK_KEY  # type: ignore[union-attr]
    with unit_of_work(fresh_engine) as s:  # under read committed, a book nobody uses goes
        s.execute(text("DELETE FROM book WHERE id = :b"), {"b": empty})
