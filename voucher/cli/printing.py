"""``voucher print proof|approve|production|csv|replace|replacement``: printed carnets.

The person acting is named with ``--as EMAIL`` and must hold a ``funder`` grant on one of
the programme's funders. A file is first written next to ``--out`` under a temporary name,
the transaction is committed (print recorded, audited), and only then the file takes its
final name: a full disk or a refusal never leaves a truncated file that looks finished.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voucher.cli.common import actor, console, progress_bar, transaction
from voucher.domain.errors import DomainError
from voucher.domain.printing import book_label
from voucher.services.context import Actor
from voucher.services.printing import production as printing
from voucher.services.printing import reprint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from voucher.services.printing.production import PrintJob, PrintResult

_AS = click.option(
    "--as", "email", required=True, help="Adresse d'un compte financeur du dispositif."
)
_OUT = click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier à écrire.",
)
_BATCH = click.option("--batch", "batch_id", type=int, required=True, help="Numéro du lot.")


def _write(job: PrintJob, out: Path) -> tuple[Path, PrintResult]:
    """Write the job to a temporary file beside ``out``; the caller renames it after commit."""
    expected = Path(job.filename).suffix
    if out.suffix.lower() != expected:
        kind = "une archive ZIP de fichiers PDF" if expected == ".zip" else f"un fichier {expected}"
        raise DomainError(
            "invalid_value",
            f"ce fichier est {kind} ; donnez un nom se terminant "
            f"par {expected} (par exemple {job.filename}).",
        )
    fd, name = tempfile.mkstemp(
        prefix=f".{out.name}.", suffix=".partiel", dir=out.parent or Path(".")
    )
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a print file is meant to be shared
        with os.fdopen(fd, "wb") as handle:
            result = job.write_to(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, result


def _produce(
    out: Path,
    email: str,
    label: str,
    start: Callable[[Session, Actor, Callable[[int], None]], PrintJob],
    total: Callable[[PrintJob], int] = lambda job: job.books,
) -> PrintResult:
    tmp: Path | None = None
    try:
        with progress_bar() as bar, transaction() as session:
            task = bar.add_task(label, total=None)
            job = start(session, actor(session, email, "print"), lambda n: bar.advance(task, n))
            bar.update(task, total=total(job))
            tmp, result = _write(job, out)
        os.replace(tmp, out)
        tmp = None
        return result
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _summary(result: PrintResult, out: Path) -> None:
    size = f"{result.size_bytes:,}".replace(",", "\u202f")
    console.print(
        f"{out} écrit : {result.books} carnet(s), {result.vouchers} chèques, {size} octets."
    )
    console.print(f"SHA-256 : {result.sha256}")


@click.group(
    "print",
    help="Impression des carnets : épreuve (BAT), validation, production, fichier imprimeur.",
)
def print_group() -> None:
    pass


@print_group.command(
    "proof", help="Produit l'épreuve (BAT) d'un lot : codes SPECIMEN, jamais valables."
)
@_BATCH
@_OUT
@_AS
@click.option("--qr", is_flag=True, help="Ajoute un QR code sur chaque chèque.")
@click.option(
    "--books", default=printing.PROOF_BOOKS, show_default=True, help="Nombre de carnets montrés."
)
def proof(batch_id: int, out: Path, email: str, qr: bool, books: int) -> None:
    result = _produce(
        out,
        email,
        "Épreuve",
        lambda s, a, p: printing.proof(s, a, batch_id, qr=qr, books=books, progress=p),
    )
    _summary(result, out)
    console.print(
        "Relisez l'épreuve, puis validez-la : voucher print approve --batch "
        f"{batch_id} --as {email}"
    )


@print_group.command("approve", help="Valide l'épreuve d'un lot (le financeur signe le BAT).")
@_BATCH
@_AS
def approve(batch_id: int, email: str) -> None:
    with transaction() as session:
        printing.approve_proof(session, actor(session, email, "print"), batch_id)
    console.print(
        f"Épreuve du lot {batch_id} validée : le fichier de production peut être produit."
    )


@print_group.command(
    "production", help="Produit le fichier de production d'un lot (après validation)."
)
@_BATCH
@_OUT
@_AS
def production(batch_id: int, out: Path, email: str) -> None:
    result = _produce(
        out,
        email,
        "Impression des carnets",
        lambda s, a, p: printing.production(s, a, batch_id, progress=p),
    )
    _summary(result, out)


@print_group.command("csv", help="Écrit le fichier de données variables pour l'imprimeur (CSV).")
@_BATCH
@_OUT
@_AS
def csv_file(batch_id: int, out: Path, email: str) -> None:
    result = _produce(
        out,
        email,
        "Fichier imprimeur",
        lambda s, a, p: printing.printer_csv(s, a, batch_id, progress=p),
    )
    _summary(result, out)


@print_group.command(
    "replace",
    help="Remplace un carnet abîmé : ses chèques inutilisés sont annulés et "
    "réémis avec de nouveaux codes dans un nouveau carnet.",
)
@click.option("--book", "serial", type=int, required=True, help="Numéro du carnet abîmé.")
@click.option("--reason", required=True, help="Motif (par exemple : carnet déchiré).")
@_AS
def replace(serial: int, reason: str, email: str) -> None:
    with transaction() as session:
        link = reprint.replace_book(session, actor(session, email, "print"), serial, reason=reason)
        new_serial = reprint.new_serial(session, link)
    console.print(
        f"Carnet {book_label(serial)} remplacé par le carnet {book_label(new_serial)} "
        f"({link.vouchers} chèques réémis ; les anciens codes sont annulés)."
    )
    console.print(
        f"Imprimez-le : voucher print replacement --book {new_serial} --out "
        f"carnet-{book_label(new_serial)}.pdf --as {email}"
    )


@print_group.command("replacement", help="Imprime un carnet de remplacement.")
@click.option("--book", "serial", type=int, required=True, help="Numéro du nouveau carnet.")
@_OUT
@_AS
def replacement(serial: int, out: Path, email: str) -> None:
    result = _produce(
        out,
        email,
        "Carnet de remplacement",
        lambda s, a, p: reprint.replacement_print(s, a, serial, p),
    )
    _summary(result, out)
