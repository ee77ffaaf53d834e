"""``voucher export impact|research|grant-research|revoke-research``: impact measures.

Files are written next to their destination under a temporary name and renamed only when
complete: an error (full disk, refusal) never leaves a truncated file that looks done.
Exports from the command line are made by the operator and cover what is asked (every
programme by default); they are audited like those made on the web.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from voucher.cli.common import actor, console, progress_bar, refuse, transaction
from voucher.documents.impact.writers import FORMATS, write
from voucher.domain.errors import DomainError
from voucher.services.context import Actor, cli_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

IMPACT_FORMATS = (*FORMATS, "pdf")


@contextmanager
def _atomic(path: str) -> Iterator[IO[bytes]]:
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.group("export", help="Exports : mesure d'impact (agrégats protégés), extraits de recherche.")
def export_group() -> None:
    pass


@export_group.command(
    "impact", help="Exporte la dernière publication des indicateurs d'impact (ou celle demandée)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPACT_FORMATS),
    required=True,
    help="csv (ouvert, virgule, dans un zip), csv-fr (Excel : BOM, point-virgule, virgule décimale), "
    "xlsx, parquet, json ou pdf (rapport).",
)
@click.option("--out", "out_path", required=True, help="Fichier à écrire.")
@click.option("--programme", "programme_id", type=int, default=None, help="Un seul dispositif.")
@click.option("--release", "number", type=int, default=None, help="Numéro de publication.")
def impact_cmd(fmt: str, out_path: str, programme_id: int | None, number: int | None) -> None:
    from voucher.services.impact import counts, export, release

    with transaction() as session:
        try:
            rel = release.numbered(session, number) if number else release.latest(session)
            if rel is None:
                raise DomainError("release_none")
            scope = counts.EVERYTHING.narrowed(programme_id)
            if programme_id:
                report = release.one_programme(rel, programme_id)
            else:
                report = release.report_for(rel, scope)
            if report is None:
                raise DomainError("not_found")
        except DomainError as e:
            refuse(e)
        with _atomic(out_path) as out:
            export.export(session, report, fmt, out, release=rel.number, scope=scope)
            export.audited(session, cli_actor("export impact"), report, fmt, rel.number)
    console.print(
        f"Export écrit : {out_path} (publication n° {rel.number}, mois {rel.period}, "
        f"{len(report.programmes)} dispositif(s), seuil {report.threshold})."
    )
    console.print(report.note)


@click.group("release", help="Publications des chiffres d'impact (mois clos, figées, numérotées).")
def release_group() -> None:
    pass


@release_group.command("publish", help="Publie les chiffres d'impact d'un mois clos.")
@click.option("--month", "period", default=None, help="AAAA-MM ; par défaut le dernier mois clos.")
@click.option("--programme", "programmes", type=int, multiple=True, help="Dispositif (répétable).")
@click.option(
    "--threshold", type=int, default=None, help="Seuil de secret statistique (11 au moins)."
)
def publish_cmd(period: str | None, programmes: tuple[int, ...], threshold: int | None) -> None:
    from voucher.services.impact import release

    with progress_bar() as bar, transaction() as session:
        task = bar.add_task("Protection conjointe de la publication", total=1)
        try:
            rel = release.publish(
                session,
                cli_actor("release publish"),
                period=period,
                programmes=list(programmes) or None,
                threshold=threshold,
            )
        except DomainError as e:
            refuse(e)
        bar.update(task, completed=1)
        number, month, digest = rel.number, rel.period, rel.digest
    console.print(f"Publication n° {number} (mois {month}) : empreinte {digest}.")


@release_group.command("list", help="Liste les publications.")
def list_cmd() -> None:
    from sqlalchemy import select

    from voucher.db.models import ImpactRelease

    with transaction() as session:
        for rel in session.scalars(select(ImpactRelease).order_by(ImpactRelease.number)):
            scope = ",".join(str(p) for p in rel.programmes) or "tous"
            console.print(
                f"{rel.number}\t{rel.period}\tdispositifs {scope}\tseuil {rel.threshold}\t"
                f"{rel.created_at:%Y-%m-%d %H:%M} UTC\t{rel.created_by}\t{rel.digest[:16]}"
            )


def _evaluator(session: Session, email: str) -> Actor:
    return dataclasses.replace(actor(session, email, "export research"), role="evaluator")


def _require_grant(email: str, programme_id: int | None) -> None:
    """Refuse an evaluator without a grant in force; the refusal is committed to the audit
    first, so attempts stay visible."""
    from voucher.services.impact import grants, research

    with transaction() as session:
        evaluator = _evaluator(session, email)
        granted = grants.active_grant(session, evaluator.user_id, programme_id) is not None
        if not granted:
            research.refused(session, evaluator, programme_id)
    if not granted:
        refuse(DomainError("research_not_granted"))


@export_group.command(
    "research", help="Extrait de recherche ligne à ligne (rôle évaluateur + autorisation)."
)
@click.option("--as", "email", required=True, help="Courriel de l'évaluateur autorisé.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--out", "out_path", required=True)
@click.option("--programme", "programme_id", type=int, default=None)
def research_cmd(email: str, fmt: str, out_path: str, programme_id: int | None) -> None:
    from sqlalchemy import func, select

    from voucher.db.models import Redemption
    from voucher.services.impact import counts, research

    _require_grant(email, programme_id)
    with progress_bar() as bar, transaction() as session:
        evaluator = _evaluator(session, email)
        result = research.extract(session, evaluator, counts.EVERYTHING, programme_id)
        query = select(func.count()).select_from(Redemption).where(Redemption.status == "accepted")
        if programme_id is not None:
            query = query.where(Redemption.programme_id == programme_id)
        task = bar.add_task("Extrait de recherche (lignes)", total=session.scalar(query) or 0)
        advance: Callable[[int], None] = lambda n: bar.advance(task, n)  # noqa: E731
        with _atomic(out_path) as out:
            write(result.bundle, fmt, out, advance)
        bar.update(task, completed=result.rows)
        research.written(session, evaluator, result, fmt)
    console.print(
        f"Extrait écrit : {out_path} ({result.rows} lignes, autorisation n° {result.grant_id}, "
        f"{result.suppressed} personne(s) trop rares laissées de côté, k = {result.k})."
    )


@export_group.command(
    "grant-research", help="Autorise un évaluateur à tirer des extraits de recherche."
)
@click.option(
    "--user",
    "email",
    required=True,
    help="Courriel de l'évaluateur (il doit avoir le rôle evaluator).",
)
@click.option(
    "--until", "valid_until", required=True, help="Dernier jour de validité (AAAA-MM-JJ)."
)
@click.option(
    "--reason", required=True, help="Objet : la convention d'évaluation signée (référence)."
)
@click.option(
    "--programme", "programme_id", type=int, default=None, help="Un dispositif (tous sinon)."
)
def grant_cmd(email: str, valid_until: str, reason: str, programme_id: int | None) -> None:
    from voucher.services.impact import grants

    try:
        until = date.fromisoformat(valid_until)
    except ValueError:
        refuse(DomainError("invalid_dates"))
    with transaction() as session:
        row = grants.grant(
            session,
            cli_actor("export grant-research"),
            email=email,
            programme_id=programme_id,
            valid_until=until,
            reason=reason,
        )
    console.print(f"Autorisation n° {row.id} accordée à {email} jusqu'au {until:%d/%m/%Y}.")


@export_group.command("revoke-research", help="Retire une autorisation d'extrait de recherche.")
@click.argument("grant_id", type=int)
def revoke_cmd(grant_id: int) -> None:
    from voucher.services.impact import grants

    with transaction() as session:
        grants.revoke(session, cli_actor("export revoke-research"), grant_id)
    console.print(f"Autorisation n° {grant_id} retirée.")
