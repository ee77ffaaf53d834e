"""``voucher communes check|search|density|centres``: the INSEE commune file shipped with the
package, INSEE's density grid copied onto the pilot zones' communes, and the communes'
centres that the letter given with a carnet measures distances from (``centres``: a CSV
such as the national *communes de France* file, see docs/places.md).

``check`` reports the commune codes already recorded that the COG does not list (typically
a postcode typed before the hand-out form checked codes): the operator corrects them, they
are never turned into a zone of their own. It exits 1 when it finds one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voucher.cli.common import console, dry_run_note, print_table, transaction
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


@communes_group.command(
    "density", help="Copie la grille communale de densité de l'INSEE sur les zones pilotes."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--niveaux", "levels", type=click.Choice(["3", "4", "7"]), default=None)
@click.option("--annee", "year", type=int, default=None, help="Année de la grille.")
@click.option("--confirm", is_flag=True, help="Enregistre (sinon simulation).")
def density_cmd(path: str, levels: str | None, year: int | None, confirm: bool) -> None:
    from voucher.domain import density
    from voucher.services.context import cli_actor
    from voucher.services.programmes.density import apply_grid

    with transaction(confirm=confirm) as session:
        grid = density.read_grid(
            Path(path).read_bytes(),
            Path(path).name,
            levels=int(levels) if levels else None,
            year=year,
        )
        done = apply_grid(session, cli_actor("communes density"), grid)
    console.print(
        f"Grille à {grid.levels} niveaux ({grid.year}) : {done.updated} commune(s) de zone "
        f"pilote mises à jour, {done.kept_newer} gardée(s) (grille plus récente), "
        f"{len(done.missing)} absente(s) de la grille." + dry_run_note(confirm)
    )
    for name in done.disagreeing:
        console.print(f"La zone « {name} » n'a pas le type que la grille donne à ses communes.")


@communes_group.command(
    "centres", help="Charge les centres des communes (distances de la lettre remise au carnet)."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--confirm", is_flag=True, help="Enregistre (sinon simulation).")
def centres_cmd(path: str, confirm: bool) -> None:
    from voucher.domain import geo
    from voucher.services.context import cli_actor
    from voucher.services.organisations import commune_centres

    rows, skipped = geo.read_centres(Path(path).read_bytes())
    with transaction(confirm=confirm) as session:
        done = commune_centres.load(session, cli_actor("communes centres"), rows, Path(path).name)
    console.print(
        f"{done.stored} centre(s) de commune enregistré(s), {done.outside_cog} hors du COG "
        f"{cog.cog_year()}, {len(skipped)} ligne(s) sans code ou sans position valable."
        + dry_run_note(confirm)
    )
