"""Who is acting: a person (user), a machine (API key) or the system itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    api_key_id: int | None = None
    organisation_id: int | None = None
    role: str | None = None
    ip: str | None = None
    device: str | None = None


SYSTEM = Actor(label="système")


def cli_actor(name: str = "cli") -> Actor:
    return Actor(label=f"ligne de commande ({name})")
