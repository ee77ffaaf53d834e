"""Adversary tests (the attacker's, the auditor's, the unlucky user's test of each promise)
reuse the API test world: two programmes of two funders and one key per role."""

from tests.web.api.conftest import as_key, world

__all__ = ["as_key", "world"]
