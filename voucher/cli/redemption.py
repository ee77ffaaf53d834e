"""``voucher redeem``: one voucher redeemed at a structure, typed or scanned.

The same rules as the desk and the API apply (one redemption per voucher, fraud screening:
a scan may be held for review); a refusal prints its code and exits 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from voucher.cli.common import console, transaction
from voucher.domain.money import format_eur
from voucher.services.context import cli_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from voucher.services.redemption.redeem import Result


def _scan(session: Session, structure_id: int, theme: str | None, code: str) -> Result:
    """The one call into the redemption service."""
    from voucher.services.redemption import redeem as redemption

    return redemption.redeem(
        session,
        cli_actor("redeem"),
        redemption.Scan(code=code, structure_id=structure_id, theme=theme),
    )


@click.command(help="Encaisse un chèque dans un lieu (code tapé ou scanné).")
@click.option("--structure", "structure_id", type=int, required=True)
@click.option("--theme", default=None)
@click.argument("code")
def redeem(structure_id: int, theme: str | None, code: str) -> None:
    with transaction() as session:
        result = _scan(session, structure_id, theme, code)
    word = "accepté" if result.status == "accepted" else "en attente de vérification"
    console.print(
        f"Chèque {result.position}/{result.vouchers_per_book} du carnet {result.book_serial:06d} "
        f"{word} ({format_eur(result.face_value_cents)})."
    )
