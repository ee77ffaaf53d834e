"""Adversary tests use the workspaces' world and sign-in helpers where they go through
the web."""

from tests.web.workspace_world import cheap_argon2, world

__all__ = ["cheap_argon2", "world"]
