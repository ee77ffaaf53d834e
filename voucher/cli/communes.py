"""``voucher communes check|search``: the INSEE commune file shipped with the package.

``check`` reports the commune codes already recorded that the COG does not list (typically
a postcode typed before the hand-out form checked codes): the operator corrects them, they
are never turned into a zone of their own. It exits 1 when it finds one.
"""

from __future__ import annotations

import sys

import click

from voucher.cli.common import console, print_table, transaction
from voucher.db.queries.communes import bad_codes
from voucher.domain import communes as cog


@click.group("communes", help="Communes du Code officiel géographique (INSEE).")
def communes_group() -> None:
    pass


@communes_group.command("check", help="Signale les codes commune enregistrés hors du COG.")
def check() -> None:
    with transaction(confirm=False) as session:
        found = bad_codes(session)
    if not found:
        console.print(f"Tous les codes commune enregistrés sont dans le COG {cog.cog_year()}.")
        return
    print_table(
        f"Codes commune absents du COG {cog.cog_year()}",
        ("code", "bénéficiaires", "organisations", "remarque"),
        [
            (
                b.code,
                str(b.beneficiaries),
                str(b.organisations),
                f"code postal de {', '.join(b.postcode_of)}" if b.postcode_of else "inconnu",
            )
            for b in found
        ],
    )
    sys.exit(1)


@communes_group.command("search", help="Cherche une commune par nom ou code postal.")
@click.argument("text")
def search(text: str) -> None:
    for c in cog.search(text):
        console.print(f"{c.code}  {c.name} ({c.departement})  {' '.join(c.postcodes)}")
