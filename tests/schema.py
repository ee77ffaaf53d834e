"""What the migrations and the models disagree on, for the schema tests of each capability."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from voucher.db.models import Base


def model_diffs(engine: Engine, *names: str) -> list:
    """Alembic's differences between the database and the models that mention any of
    ``names`` (tables, indexes) in their description."""
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if any(n in repr(d) for n in names)]
