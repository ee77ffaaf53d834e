"""What the migrations and the models disagree on, for the schema tests of each capability."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from voucher.db.models import Base


def model_diffs(engine: Engine, *names: str) -> list:
    """Alembic's differences between the database and the models that mention any of
    ``names`` (tables, indexes) in their description. A model's constraint declared for
    other databases only (``ddl_if(dialect=...)``) is not expected in this one."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _declared_for(conn.dialect.name)}
        )
        diffs = compare_metadata(context, Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if any(n in repr(d) for n in names)]


def _declared_for(dialect: str) -> Callable[..., bool]:
    def include(item: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
        rule = None if reflected else getattr(item, "_ddl_if", None)
        if rule is None or rule.dialect is None:
            return True
        return dialect in ((rule.dialect,) if isinstance(rule.dialect, str) else rule.dialect)

    return include
