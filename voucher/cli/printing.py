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
from voucher.services.printing import approval, reprint
from voucher.services.printing import logo as logo_service
from voucher.services.printing import production as printing

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


def _check_out(job: PrintJob, out: Path) -> None:
    expected = Path(job.filename).suffix
    if out.suffix.lower() != expected:
        kind = "une archive ZIP de fichiers PDF" if expected == ".zip" else f"un fichier {expected}"
        raise DomainError(
            "invalid_value",
            f"ce fichier est {kind} ; donnez un nom se terminant "
            f"par {expected} (par exemple {job.filename}).",
        )
    folder = out.parent
    if not folder.is_dir():
        raise DomainError(
            "invalid_value",
            f"le dossier {folder} n'existe pas : créez-le ou choisissez un autre dossier.",
        )
    if not os.access(folder, os.W_OK):
        raise DomainError("invalid_value", f"le dossier {folder} n'est pas accessible en écriture.")


class _Pending:
    """The file being written in ``out``'s folder, with no name until it is published.

    On Linux it is an anonymous file (``O_TMPFILE``): if the process is stopped, even by
    SIGKILL, no file is left behind, hidden or not. Elsewhere a hidden ``.partiel`` file is
    used and removed on any error."""

    def __init__(self, out: Path) -> None:
        self.out, self.path = out, None
        folder = out.parent
        try:
            self.fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
        except (AttributeError, OSError):
            self.fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partiel", dir=folder)
            self.path = Path(name)
            os.chmod(self.path, 0o644)  # mkstemp creates 0600; a print file is meant to be shared
        self.handle = os.fdopen(self.fd, "wb")

    def publish(self) -> None:
        """Give the finished file its name (after the commit), replacing any older file."""
        if self.path is None:
            hidden = self.out.with_name(f".{self.out.name}.{os.getpid()}.partiel")
            folder = os.open(self.out.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:  # a directory fd makes os.link call linkat(AT_SYMLINK_FOLLOW)
                os.link(
                    f"/proc/self/fd/{self.fd}", hidden.name, dst_dir_fd=folder, follow_symlinks=True
                )
            finally:
                os.close(folder)
            self.path = hidden
        os.replace(self.path, self.out)
        self.path = None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None


def _write(job: PrintJob, out: Path) -> tuple[_Pending, PrintResult]:
    """Write the job to a nameless file in ``out``'s folder; the caller publishes it after
    the commit."""
    _check_out(job, out)
    pending = _Pending(out)
    try:
        result = job.write_to(pending.handle)
        pending.handle.flush()
        os.fsync(pending.handle.fileno())
    except BaseException:
        pending.discard()
        raise
    return pending, result


def _produce(
    out: Path,
    email: str,
    label: str,
    start: Callable[[Session, Actor, Callable[[int], None]], PrintJob],
    total: Callable[[PrintJob], int] = lambda job: job.books,
) -> tuple[PrintJob, PrintResult]:
    pending: _Pending | None = None
    try:
        with progress_bar() as bar, transaction() as session:
            task = bar.add_task(label, total=None)
            job = start(session, actor(session, email, "print"), lambda n: bar.advance(task, n))
            bar.update(task, total=total(job))
            pending, result = _write(job, out)
        pending.publish()
        return job, result
    finally:
        if pending is not None:
            pending.discard()


_LEFT_OUT = {
    "replaced": "remplacé(s)",
    "lost": "perdu(s)",
    "stolen": "volé(s)",
    "expired": "expiré(s)",
}


def _summary(job: PrintJob, result: PrintResult, out: Path) -> None:
    size = f"{result.size_bytes:,}".replace(",", "\u202f")
    console.print(
        f"{out} écrit : {result.books} carnet(s), {result.vouchers} chèques, {size} octets."
    )
    console.print(f"SHA-256 : {result.sha256}")
    if job.left_out:
        left = ", ".join(f"{n} {_LEFT_OUT.get(k, k)}" for k, n in sorted(job.left_out.items()))
        console.print(f"Carnets laissés de côté (plus en circulation) : {left}.")


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
    job, result = _produce(
        out,
        email,
        "Épreuve",
        lambda s, a, p: printing.proof(s, a, batch_id, qr=qr, books=books, progress=p),
    )
    _summary(job, result, out)
    console.print(
        "Relisez l'épreuve, puis validez-la en nommant ce que vous avez lu : "
        f"voucher print approve --batch {batch_id} --proof {result.sha256[:16]} --as {email}"
    )


@print_group.command("approve", help="Valide l'épreuve relue d'un lot (le financeur signe le BAT).")
@_BATCH
@click.option(
    "--proof",
    "sha256",
    required=True,
    help="Empreinte SHA-256 de l'épreuve relue (affichée à sa production ; 8 caractères au moins).",
)
@_AS
def approve(batch_id: int, sha256: str, email: str) -> None:
    with transaction() as session:
        proof_file = approval.approve_proof(
            session, actor(session, email, "print"), batch_id, sha256
        )
        approved = proof_file.sha256
    console.print(
        f"Épreuve {approved[:16]} du lot {batch_id} validée : "
        "le fichier de production peut être produit."
    )


@print_group.command(
    "production", help="Produit le fichier de production d'un lot (après validation)."
)
@_BATCH
@_OUT
@_AS
def production(batch_id: int, out: Path, email: str) -> None:
    job, result = _produce(
        out,
        email,
        "Impression des carnets",
        lambda s, a, p: printing.production(s, a, batch_id, progress=p),
    )
    _summary(job, result, out)


@print_group.command("csv", help="Écrit le fichier de données variables pour l'imprimeur (CSV).")
@_BATCH
@_OUT
@_AS
def csv_file(batch_id: int, out: Path, email: str) -> None:
    job, result = _produce(
        out,
        email,
        "Fichier imprimeur",
        lambda s, a, p: printing.printer_csv(s, a, batch_id, progress=p),
    )
    _summary(job, result, out)


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
    job, result = _produce(
        out,
        email,
        "Carnet de remplacement",
        lambda s, a, p: reprint.replacement_print(s, a, serial, p),
    )
    _summary(job, result, out)


@print_group.command(
    "logo", help="Enregistre le logo (PNG ou SVG) imprimé sur la couverture des carnets."
)
@click.option("--programme", "programme_id", type=int, required=True, help="Numéro du dispositif.")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Image PNG ou dessin SVG, 1 Mo au plus.",
)
@_AS
def logo(programme_id: int, path: Path, email: str) -> None:
    try:
        data = path.read_bytes()
    except OSError:
        raise click.UsageError(f"le fichier {path} ne peut pas être lu.") from None
    with transaction() as session:
        row = logo_service.set_logo(
            session, actor(session, email, "print"), programme_id, data, filename=path.name
        )
        digest = row.sha256
    console.print(f"Logo du dispositif {programme_id} enregistré (SHA-256 {digest[:16]}).")


@print_group.command(
    "cover-text",
    help="Remplace le texte « À quoi sert ce carnet ? » de la couverture (un fichier vide "
    "rétablit le texte par défaut).",
)
@click.option("--programme", "programme_id", type=int, required=True, help="Numéro du dispositif.")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Texte UTF-8, une phrase courte par ligne (6 lignes au plus).",
)
@_AS
def cover_text(programme_id: int, path: Path, email: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise click.UsageError(f"le fichier {path} ne peut pas être lu (UTF-8).") from None
    with transaction() as session:
        lines = logo_service.set_cover_text(
            session, actor(session, email, "print"), programme_id, text
        )
    console.print(
        f"Texte de couverture du dispositif {programme_id} : "
        + (f"{len(lines)} ligne(s) enregistrée(s)." if lines else "texte par défaut rétabli.")
    )
