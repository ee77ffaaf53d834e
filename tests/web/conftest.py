"""Web tests: the workspaces' world of organisations, people and batches (fixtures)."""

from tests.web.workspace_world import cheap_argon2, world

__all__ = ["cheap_argon2", "world"]
