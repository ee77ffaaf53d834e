"""Who is acting: a person (user), a machine (API key) or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    api_key_id: int | None = None
    organisation_id: int | None = None
    role: str | None = None
    ip: str | None = None
    device: str | None = None
    #: none of the actor's sources (user, API key, address) had a code-guessing failure
    #: answered after this time when it was read (with its API key), or None if not read
    #: (:mod:`voucher.services.redemption.guessing`)
    guessing_clear_after: datetime | None = None


SYSTEM = Actor(label="système")


def cli_actor(name: str = "cli") -> Actor:
    return Actor(label=f"ligne de commande ({name})")
