"""Fixtures of the printing tests (builders live in ``print_world``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.documents import print_world as pw


@pytest.fixture
def printing_world(session: Session) -> pw.Printing:
    return pw.world(session)
