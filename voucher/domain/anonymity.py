"""k-anonymity and coarse dates for row-level research extracts (pure rules, no database).

Rules kept:

- The unit is a person in a programme. Its quasi-identifiers (programme, population, age
  band, social status, territory, zone kind, month of hand-out) are generalised, one step at a time and only
  for the people whose combination describes fewer than ``k`` people: the commune becomes
  its département, then disappears (the zone kind stays); the month of hand-out becomes
  its quarter; the age band becomes a broad band; then social status, population, age
  band and period are grouped. A group still too small
  after every step takes in, whole, the smallest group of the same programme and zone
  (coarsened like it). People still in a group smaller than ``k`` are suppressed (their
  rows are left out) and counted, never silently.
- Every combination left in an extract therefore describes at least ``k`` people.
- Dates: no exact date leaves, and no date singles anyone out. The only calendar date is
  the month of hand-out, taken after shifting the date by a random number of days (drawn
  per person and per extract, within ``SHIFT_DAYS``), and it is a quasi-identifier like
  the others (every value covers at least ``k`` people); a session is dated by its band
  of days since hand-out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from voucher.domain import communes

GROUPED = "regroupe"  # a value generalised away (k-anonymity)
SHIFT_DAYS = 15
DEFAULT_K = 11

BROAD_AGE = {
    "moins_de_douze": "moins_de_vingt_cinq",
    "douze_dix_huit": "moins_de_vingt_cinq",
    "dix_huit_vingt_quatre": "moins_de_vingt_cinq",
    "vingt_cinq_trente_neuf": "vingt_cinq_cinquante_neuf",
    "quarante_cinquante_neuf": "vingt_cinq_cinquante_neuf",
    "soixante_soixante_neuf": "soixante_plus",
    "soixante_dix_plus": "soixante_plus",
}
BROAD_AGE_LABELS = {
    "moins_de_vingt_cinq": "Moins de 25 ans (regroupé)",
    "vingt_cinq_cinquante_neuf": "25-59 ans (regroupé)",
    "soixante_plus": "60 ans et plus (regroupé)",
    GROUPED: "Regroupé (secret statistique)",
}
#: (upper bound in days, code); the last band is open
DELAY_BANDS = (
    (6, "j0_6"),
    (13, "j7_13"),
    (29, "j14_29"),
    (59, "j30_59"),
    (89, "j60_89"),
    (179, "j90_179"),
)
LAST_DELAY_BAND = "j180_plus"
DELAY_LABELS = {
    "j0_6": "0 à 6 jours",
    "j7_13": "7 à 13 jours",
    "j14_29": "14 à 29 jours",
    "j30_59": "30 à 59 jours",
    "j60_89": "60 à 89 jours",
    "j90_179": "90 à 179 jours",
    LAST_DELAY_BAND: "180 jours et plus",
}


def delay_band(days: int | None) -> str | None:
    """The band of a number of days (None stays None)."""
    if days is None:
        return None
    for upper, code in DELAY_BANDS:
        if days <= upper:
            return code
    return LAST_DELAY_BAND


@dataclass(frozen=True)
class Profile:
    """The quasi-identifiers of one person in one programme, as published."""

    programme: int
    population: str
    age_band: str
    social_status: str
    territory: str  # commune code, département code, or "" (zone only)
    zone: str
    cohort: str = ""  # month of hand-out (AAAA-MM, shifted), its quarter, or grouped


def _departement(code: str) -> str:
    found = communes.get(code)
    return found.departement if found else ""


def quarter(month: str) -> str:
    """``2026-05`` -> ``2026-T2``; anything else is kept."""
    if len(month) == 7 and month[4] == "-" and month[5:].isdigit():
        return f"{month[:4]}-T{(int(month[5:]) - 1) // 3 + 1}"
    return month


#: generalisation steps, in order; each maps a profile to a coarser one
STEPS: tuple[tuple[str, Callable[[Profile], Profile]], ...] = (
    ("commune_en_departement", lambda p: replace(p, territory=_departement(p.territory))),
    ("departement_retire", lambda p: replace(p, territory="")),
    ("mois_en_trimestre", lambda p: replace(p, cohort=quarter(p.cohort))),
    ("age_elargi", lambda p: replace(p, age_band=BROAD_AGE.get(p.age_band, p.age_band))),
    ("statut_regroupe", lambda p: replace(p, social_status=GROUPED)),
    ("population_regroupee", lambda p: replace(p, population=GROUPED)),
    ("age_regroupe", lambda p: replace(p, age_band=GROUPED)),
    ("periode_regroupee", lambda p: replace(p, cohort=GROUPED)),
)


@dataclass
class Anonymised:
    """Published profile per unit; units left out; how many units each step moved."""

    profiles: dict[object, Profile]
    suppressed: set[object] = field(default_factory=set)
    steps: dict[str, int] = field(default_factory=dict)


def _small(profiles: Mapping[object, Profile], k: int) -> set[object]:
    sizes = Counter(profiles.values())
    return {unit for unit, p in profiles.items() if sizes[p] < k}


def _full(profile: Profile) -> Profile:
    for _, step in STEPS:
        profile = step(profile)
    return profile


def _last_resort(current: dict[object, Profile], k: int) -> int:
    """A group still too small after every step takes in, whole, the smallest group that
    the same steps would coarsen onto it (it has ``k`` people, so no group shrinks)."""
    pulled = 0
    for target in {current[u] for u in _small(current, k)}:
        sizes = Counter(current.values())
        if sizes[target] >= k:
            continue
        donors = [p for p, n in sizes.items() if p != target and n >= k and _full(p) == target]
        if not donors:
            continue
        donor = min(donors, key=lambda p: (sizes[p], repr(p)))
        for unit, p in current.items():
            if p == donor:
                current[unit] = target
                pulled += 1
    return pulled


def k_anonymise(units: Mapping[object, Profile], k: int = DEFAULT_K) -> Anonymised:
    """Generalise the profiles of the units in groups smaller than ``k``, step by step,
    then suppress what is still too small."""
    current = dict(units)
    out = Anonymised(current)
    for name, step in STEPS:
        small = _small(current, k)
        if not small:
            break
        for unit in small:
            current[unit] = step(current[unit])
        out.steps[name] = len(small)
    if pulled := _last_resort(current, k):
        out.steps["groupe_voisin_regroupe"] = pulled
    out.suppressed = _small(current, k)
    for unit in out.suppressed:
        del current[unit]
    return out


def smallest_group(profiles: Iterable[Profile]) -> int:
    """Size of the rarest combination (0 when there is none)."""
    sizes = Counter(profiles)
    return min(sizes.values(), default=0)
