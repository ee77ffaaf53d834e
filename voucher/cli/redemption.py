"""``voucher redeem``: one voucher redeemed at a structure, typed or scanned.

The same use case as the desk and the API (:func:`voucher.services.redemption.scan.scan`):
the code-guessing check, one redemption per voucher, fraud screening (a scan may be held for
review), and a refusal logged like any other (committed) before it is printed with its code
and the command exits 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from voucher.cli.common import console, refuse, transaction
from voucher.domain.money import format_eur
from voucher.services.context import cli_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from voucher.services.redemption.redeem import Result
    from voucher.services.redemption.scan import Outcome


def _scan(session: Session, structure_id: int, theme: str | None, code: str) -> Outcome[Result]:
    """The one call into the redemption service."""
    from voucher.services.redemption import redeem, scan

    scanned = redeem.Scan(code=code, structure_id=structure_id, theme=theme)
    return scan.scan(session, cli_actor("redeem"), scanned)


@click.command(help="Encaisse un chèque dans un lieu (code tapé ou scanné).")
@click.option("--structure", "structure_id", type=int, required=True)
@click.option("--theme", default=None)
@click.argument("code")
def redeem(structure_id: int, theme: str | None, code: str) -> None:
    with transaction() as session:
        outcome = _scan(session, structure_id, theme, code)
    if outcome.refusal is not None:
        refuse(outcome.refusal)
    result = outcome.get()
    word = "accepté" if result.status == "accepted" else "en attente de vérification"
    console.print(
        f"Chèque {result.position}/{result.vouchers_per_book} du carnet {result.book_serial:06d} "
        f"{word} ({format_eur(result.face_value_cents)})."
    )
