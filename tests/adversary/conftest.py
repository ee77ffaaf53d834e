"""Adversary tests: the attacker's, the auditor's and the unlucky user's test for each
promise, on the API test world (two organisations, one key per role)."""

from tests.web.api.conftest import as_key, world

__all__ = ["as_key", "world"]
