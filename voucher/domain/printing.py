"""Printed carnets: what a beneficiary and a reception desk read on paper, and the rules of
the print workflow.

Rules kept:

* a batch is printed in two steps: a proof (*épreuve*, BAT) whose codes are specimens that
  can never be valid (:func:`voucher.domain.codes.specimen`), approved by the funder; only
  then the production file, whose SHA-256 is recorded;
* the paper speaks plain French: short sentences, one idea each (DOMAIN.md); dates are
  written out ("31 décembre 2026"), money with :func:`voucher.domain.money.format_eur`;
* a voucher's human serial reads "chèque 3/10 — carnet 004217": book serials have at least
  six digits;
* the last day a voucher is accepted is its validity plus the programme's grace; the
  cover says both dates, the voucher the validity date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from voucher.domain.errors import DomainError, register
from voucher.domain.money import format_eur
from voucher.domain.places import hours_in_french

register(
    "proof_not_approved",
    "L'épreuve (BAT) de ce lot n'est pas encore validée par le financeur : "
    "le fichier de production ne peut pas être produit.",
)
register(
    "proof_missing",
    "Aucune épreuve n'a encore été produite pour ce lot : produisez-la et "
    "relisez-la avant de la valider.",
)
register("proof_already_approved", "Cette épreuve est déjà validée.")
register(
    "proof_superseded",
    "Une épreuve plus récente a été produite pour ce lot : ouvrez-la, relisez-la et "
    "validez-la (l'épreuve que vous nommez n'est plus la dernière).",
)
register(
    "proof_unknown",
    "Aucune épreuve de ce lot n'a cette empreinte (SHA-256) : recopiez celle de "
    "l'épreuve que vous avez relue.",
)
register(
    "proof_newer_not_approved",
    "Une épreuve plus récente que l'épreuve validée a été produite : elle doit être "
    "relue et validée avant la production.",
)
register(
    "print_books_used",
    "Des carnets de ce lot ont déjà des chèques encaissés, en attente ou annulés : les "
    "réimprimer mettrait en circulation des codes qui ne valent plus rien. Remplacez ces "
    "carnets (voucher print replace) avant de produire le fichier.",
)
register(
    "nothing_to_print",
    "Aucun carnet de ce lot n'est en circulation (tous perdus, volés, remplacés ou "
    "expirés) : il n'y a rien à imprimer.",
)
register(
    "print_ledger_changed",
    "Des carnets de ce lot ont changé pendant la production (remplacés, perdus ou "
    "chèques encaissés) : le fichier n'est pas enregistré, relancez la production.",
)
register(
    "logo_invalid",
    "Ce fichier n'est pas un logo utilisable : envoyez une image PNG de moins de 1 Mo, "
    "de 100 à 4 000 pixels de côté, ou un dessin SVG.",
)
register(
    "logo_svg",
    "Ce logo SVG est refusé : il doit être un dessin simple de moins de 1 Mo, sans script, "
    "sans animation, sans image ni lien vers un autre fichier, et ses textes convertis en "
    "tracés (vectorisés). Sinon, exportez-le en PNG (au moins 600 pixels de large).",
)
register(
    "cover_overflow",
    "Le texte de la couverture ne tient pas sur la page en 14 points : raccourcissez le "
    "texte du dispositif (À quoi sert ce carnet ?) ou le nom des financeurs.",
)
register(
    "cover_text_invalid",
    "Texte de couverture refusé : 6 lignes au plus, de 160 caractères au plus chacune, "
    "une phrase courte par ligne.",
)
register("book_already_replaced", "Ce carnet a déjà été remplacé : utilisez le nouveau carnet.")
register(
    "nothing_to_replace",
    "Aucun chèque de ce carnet n'est encore utilisable : il n'y a rien à réimprimer.",
)
register(
    "not_a_replacement",
    "Ce carnet ne remplace aucun autre carnet : imprimez-le avec le "
    "fichier de production de son lot.",
)

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
SPECIMEN_MARK = "SPECIMEN — ÉPREUVE"
SPECIMEN_BANNER = (
    "ÉPREUVE (BAT) — SPECIMEN : codes non valables, ne pas distribuer. "
    "Vérifiez les textes, les dates et les montants avant de valider."
)
ACCEPTED_ONLY = "Accepté uniquement dans les lieux labellisés"


def long_date(day: date) -> str:
    """``date(2026, 12, 31)`` -> ``"31 décembre 2026"`` (``"1er"`` for the first)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def book_label(serial: int) -> str:
    return f"{serial:06d}"


def voucher_label(position: int, per_book: int, serial: int) -> str:
    return f"chèque {position}/{per_book} — carnet {book_label(serial)}"


_ARTICLES = {
    "le": (
        "département conseil centre ministère fonds groupement syndicat pôle secrétariat "
        "service crédit ccas cias gip sivu"
    ),
    "la": (
        "région fondation ville commune métropole caisse communauté préfecture mairie "
        "banque mutuelle direction délégation maison mission fédération collectivité "
        "caf cpam msa cnaf carsat poste"
    ),
    "l'": "agence association état établissement union office anct eurométropole entreprise",
}
_ARTICLE_OF = {word: art for art, words in _ARTICLES.items() for word in words.split()}


def with_article(name: str) -> str:
    """``"Fondation A"`` -> ``"la Fondation A"``, ``"Département B"`` -> ``"le
    Département B"``, ``"Agence X"`` -> ``"l'Agence X"``. A name that already starts with
    an article, or whose first word is not a known kind of organisation, is left as it is
    (a brand or a person's name takes no article)."""
    words = name.split()
    if not words:
        return name
    first = words[0].lower().rstrip(",")
    if first in {"le", "la", "les"} or first.startswith(("l'", "l’")):
        return name
    article = _ARTICLE_OF.get(first)
    if article is None:
        return name
    return f"{article}{name}" if article == "l'" else f"{article} {name}"


def join_names(names: Sequence[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B et C"``."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " et " + names[-1]


@dataclass(frozen=True)
class CoverPlace:
    """A place where the vouchers are accepted, as the cover's "Où aller ?" shows it."""

    name: str
    #: "12 rue de la Gare, 86000 Poitiers" (empty when unknown)
    address: str = ""
    #: opening hours in French, one rule a line (empty when unknown)
    hours: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        name: str,
        *,
        street: str | None = None,
        postcode: str | None = None,
        town: str | None = None,
        osm_hours: str | None = None,
        hours_text: str | None = None,
    ) -> CoverPlace:
        place = ", ".join(x for x in (street, " ".join(y for y in (postcode, town) if y)) if x)
        hours = [*hours_in_french(osm_hours), *([hours_text.strip()] if hours_text else [])]
        return cls(name, place, tuple(h for h in hours if h))

    @property
    def hours_line(self) -> str:
        return "Horaires : " + " ; ".join(self.hours) + "." if self.hours else ""


@dataclass(frozen=True)
class CarnetInfo:
    """What every book of one batch shares on paper."""

    programme: str
    funders: tuple[str, ...]
    face_value_cents: int
    vouchers_per_book: int
    valid_until: date
    accepted_until: date
    #: the nearest places accepting the programme (see ``CoverPlace``)
    places: tuple[CoverPlace, ...] = ()
    #: the funder's logo (a checked PNG) for the cover, if the programme has one
    logo: bytes | None = None
    #: the programme's own lines for "À quoi sert ce carnet ?" (else the default text)
    purpose: tuple[str, ...] = ()

    @property
    def face_value(self) -> str:
        return format_eur(self.face_value_cents)

    @property
    def funders_with_articles(self) -> str:
        return join_names([with_article(n) for n in self.funders])

    @property
    def funded_by(self) -> str:
        return "Financé par " + self.funders_with_articles if self.funders else ""

    def funded_by_shorter(self) -> list[str]:
        """What a voucher says of its funders when they do not all fit, longest first:
        the first funders named in full, then how many more (the cover names them all).
        A name is never cut."""
        names = [with_article(n) for n in self.funders]
        out = []
        for shown in range(len(names) - 1, 0, -1):
            more = len(names) - shown
            rest = f"{more} autre{'s' if more > 1 else ''} financeur{'s' if more > 1 else ''}"
            out.append(f"Financé par {', '.join(names[:shown])} et {rest} (voir la couverture)")
        out.append(f"Financé par {len(names)} financeurs (voir la couverture)")
        return out


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]
    numbered: bool = False
    #: places listed (name, address, hours) before the lines
    places: tuple[CoverPlace, ...] = ()


def default_purpose(info: CarnetInfo) -> tuple[str, ...]:
    """The plain-language default of "À quoi sert ce carnet ?"."""
    return (
        "Chaque chèque paie une séance pour apprendre le numérique.",
        "Une séance dure environ 2 heures.",
        "Par exemple : utiliser un ordinateur ou un téléphone, faire une démarche en ligne, "
        "chercher un emploi.",
        f"Chaque chèque vaut {info.face_value}. C'est gratuit pour vous.",
    )


PURPOSE_LINES, PURPOSE_LINE_CHARS = 6, 160


def purpose_lines(text: str) -> tuple[str, ...]:
    """A programme's cover text, one sentence per line, checked: at most
    :data:`PURPOSE_LINES` lines of :data:`PURPOSE_LINE_CHARS` characters, printable text.
    An empty text means the default."""
    lines = tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if len(lines) > PURPOSE_LINES or any(
        len(line) > PURPOSE_LINE_CHARS or not line.isprintable() for line in lines
    ):
        raise DomainError("cover_text_invalid")
    return lines


def cover_sections(info: CarnetInfo) -> list[Section]:
    """The cover page's text, in the order a beneficiary needs it."""
    where = (
        "D'autres lieux existent : demandez la liste à la personne qui vous a donné ce carnet."
        if info.places
        else "Demandez la liste des lieux à la personne qui vous a donné ce carnet.",
        "Les chèques sont acceptés uniquement dans les lieux labellisés.",
    )
    until = [f"Utilisez vos chèques avant le {long_date(info.valid_until)}."]
    if info.accepted_until > info.valid_until:
        until.append(f"Ils sont encore acceptés jusqu'au {long_date(info.accepted_until)}.")
    until.append("Après, ils ne valent plus rien.")
    return [
        Section("À quoi sert ce carnet ?", info.purpose or default_purpose(info)),
        Section(
            "Comment l'utiliser ?",
            (
                "Allez dans un lieu labellisé.",
                "À l'accueil, donnez un chèque pour une séance.",
                "L'accueil scanne le chèque. Un chèque sert une seule fois.",
            ),
            numbered=True,
        ),
        Section("Où aller ?", where, places=info.places),
        Section("Jusqu'à quand ?", tuple(until)),
        Section(
            "Qui paie ?",
            (f"Ce carnet est offert par {info.funders_with_articles}.",)
            if info.funders
            else ("Ce carnet est offert par le financeur du dispositif.",),
        ),
        Section(
            "Un problème ?",
            (
                "Chèque abîmé : l'accueil peut taper le code écrit en chiffres.",
                "Carnet perdu ou volé : prévenez vite la personne qui vous l'a donné.",
            ),
        ),
    ]


def cover_pages(info: CarnetInfo) -> tuple[list[Section], list[Section]]:
    """The cover's sections split over its two sides: what the carnet is for, how to use it
    and until when on the front; where to go, who pays and what to do if something goes
    wrong on the back (so the body text keeps 14 points or more)."""
    sections = cover_sections(info)
    front = {"À quoi sert ce carnet ?", "Comment l'utiliser ?", "Jusqu'à quand ?"}
    return (
        [s for s in sections if s.title in front],
        [s for s in sections if s.title not in front],
    )
