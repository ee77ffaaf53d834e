"""The measures impact measurement publishes: each with its French label, definition, kind
(people, count, cents, share, ratio, days) and the people count that guards it, for the
books' tables, the sessions' tables and the evaluation's people tables
(:mod:`voucher.domain.impact` puts them in tables)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    description: str
    kind: str  # people, count, cents, share, ratio, days
    #: the people count whose mask also masks this measure (besides the whole-cell mask)
    guard: str | None = None
    #: for a people count: the count it is a part of (its complement must not be small)
    part_of: str | None = None

    @property
    def shown_label(self) -> str:
        """The label on a page, where amounts are shown in euros (exports keep cents)."""
        return self.label.replace("(centimes)", "(€)") if self.kind == "cents" else self.label


def _m(
    code: str,
    label: str,
    description: str,
    kind: str,
    guard: str | None = None,
    part_of: str | None = None,
) -> Measure:
    return Measure(code, label, description, kind, guard, part_of)


BOOK_MEASURES: tuple[Measure, ...] = (
    _m(
        "beneficiaires",
        "Bénéficiaires",
        "Personnes distinctes ayant reçu au moins un carnet.",
        "people",
    ),
    _m(
        "carnets_emis",
        "Carnets émis",
        "Carnets imprimés et confiés aux prescripteurs (tous états).",
        "count",
    ),
    _m(
        "carnets_actives",
        "Carnets activés",
        "Carnets dont le financeur a versé les fonds (chèques utilisables).",
        "count",
    ),
    _m("carnets_remis", "Carnets remis", "Carnets remis à un bénéficiaire.", "people"),
    _m(
        "carnets_commences",
        "Carnets commencés",
        "Carnets remis dont au moins un chèque a été encaissé.",
        "people",
        guard="carnets_commences",
        part_of="carnets_remis",
    ),
    _m(
        "carnets_termines",
        "Carnets terminés",
        "Carnets remis dont tous les chèques ont été encaissés.",
        "people",
        guard="carnets_termines",
        part_of="carnets_remis",
    ),
    _m("cheques_remis", "Chèques remis", "Chèques des carnets remis.", "count"),
    _m(
        "cheques_encaisses",
        "Chèques encaissés",
        "Séances payées par un chèque (scans acceptés, annulations déduites).",
        "count",
    ),
    _m("taux_utilisation", "Taux d'utilisation", "Chèques encaissés ÷ chèques remis.", "share"),
    _m(
        "cheques_par_beneficiaire",
        "Chèques par bénéficiaire",
        "Chèques encaissés ÷ bénéficiaires.",
        "ratio",
    ),
    _m(
        "delai_premiere_seance_q1_jours",
        "Délai 1re séance, 1er quartile (jours)",
        "Jours calendaires (heure de Paris) entre la remise du carnet et la première séance : premier quartile.",
        "days",
        guard="delai",
    ),
    _m(
        "delai_premiere_seance_mediane_jours",
        "Délai 1re séance, médiane (jours)",
        "Même délai : médiane.",
        "days",
        guard="delai",
    ),
    _m(
        "delai_premiere_seance_q3_jours",
        "Délai 1re séance, 3e quartile (jours)",
        "Même délai : troisième quartile.",
        "days",
        guard="delai",
    ),
    _m(
        "valeur_encaissee_centimes",
        "Valeur encaissée (centimes)",
        "Valeur faciale des chèques encaissés, en centimes d'euro.",
        "cents",
    ),
    _m(
        "cout_par_beneficiaire_centimes",
        "Coût par bénéficiaire (centimes)",
        "Valeur encaissée ÷ bénéficiaires, arrondie au centime.",
        "cents",
    ),
    _m(
        "valeur_non_utilisee_centimes",
        "Valeur non utilisée (centimes)",
        "Valeur des chèques expirés ou annulés (carnets perdus, volés, fin de validité), rendue au financeur.",
        "cents",
    ),
    _m(
        "lieux_actifs",
        "Lieux actifs",
        "Lieux distincts ayant encaissé au moins un chèque de ces carnets.",
        "count",
    ),
    _m(
        "autonomie_evaluables",
        "Carnets avec autonomie suivie",
        "Carnets avec au moins deux séances où le niveau d'autonomie a été noté.",
        "people",
        guard="autonomie_evaluables",
        part_of="carnets_commences",  # started but never followed: a group of its own
    ),
    _m(
        "autonomie_progression",
        "Autonomie en progrès",
        "Parmi eux, carnets dont le niveau d'autonomie de la dernière séance dépasse celui de la première.",
        "people",
        guard="autonomie_progression",
        part_of="autonomie_evaluables",
    ),
    _m(
        "part_progression_autonomie",
        "Part en progrès d'autonomie",
        "Autonomie en progrès ÷ carnets avec autonomie suivie.",
        "share",
        guard="autonomie_progression",
    ),
)

SESSION_MEASURES: tuple[Measure, ...] = (
    _m(
        "beneficiaires",
        "Bénéficiaires",
        "Personnes distinctes ayant utilisé au moins un chèque.",
        "people",
    ),
    _m(
        "cheques_encaisses",
        "Chèques encaissés",
        "Séances payées par un chèque (scans acceptés).",
        "count",
    ),
    _m(
        "valeur_encaissee_centimes",
        "Valeur encaissée (centimes)",
        "Valeur faciale des chèques encaissés, en centimes d'euro.",
        "cents",
    ),
    _m(
        "cheques_par_beneficiaire",
        "Chèques par bénéficiaire",
        "Chèques encaissés ÷ bénéficiaires.",
        "ratio",
    ),
    _m(
        "lieux_actifs",
        "Lieux actifs",
        "Lieux distincts ayant encaissé au moins un chèque.",
        "count",
    ),
)

EVALUATION_MEASURES: tuple[Measure, ...] = (
    _m(
        "beneficiaires",
        "Personnes",
        "Personnes distinctes (bénéficiaires) de la case, par dispositif : une personne "
        "de deux dispositifs compte dans chacun.",
        "people",
    ),
)

#: people counts protected by their own secondary suppression, beyond the whole cell
GUARDED_COUNTS = (
    "carnets_commences",
    "carnets_termines",
    "autonomie_evaluables",
    "autonomie_progression",
)
