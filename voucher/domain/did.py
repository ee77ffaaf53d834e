"""Before and after, with a comparison group: the difference in differences.

Rules kept:

- **Design**: the pilot's people and a comparison group the funder declared (a comparison
  zone without carnets, or a waiting-list cohort who get their carnets later) answer the same
  follow-up question ("has done the procedure online alone") before and after. The outcome
  is the share answering ``autonome`` (yes, alone) among people asked; ``non_communique``
  (not asked) is left out.
- **Estimate**: a linear probability model ``alone = a + b·pilot + c·after + d·pilot·after``
  fitted by least squares (statsmodels ``OLS``); ``d`` is the difference in differences in
  percentage points, with its 95 % interval from standard errors **clustered by person**
  (the same person answers twice). It equals ``(pilot after − pilot before) − (comparison
  after − comparison before)`` of the four shares.
- **Words** claim a difference only when the interval excludes 0, and always state the
  design's limits (parallel trends assumed, groups not drawn by lot, answers declared).
- **Secrecy**: it rests on four cells (group × moment) of people answering yes and not;
  nothing is published unless each count is 0 or at least the threshold.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DESIGNS: dict[str, str] = {
    "zone": "une zone de comparaison où aucun carnet n'est remis",
    "liste_attente": "une cohorte en liste d'attente, qui recevra ses carnets plus tard",
}
GROUPS = ("pilote", "comparaison")
MOMENTS = ("avant", "apres")
LIMITS = (
    "Limites : ce calcul suppose que, sans le dispositif, la part aurait évolué de la même "
    "façon dans les deux groupes (tendances parallèles) ; les groupes n'ont pas été tirés au "
    "sort ; les réponses sont déclarées par les personnes à la structure ou au prescripteur."
)


@dataclass(frozen=True)
class Answer:
    """One person's answer at one moment: in the pilot or the comparison group."""

    person: int
    pilot: bool
    after: bool
    alone: bool


@dataclass(frozen=True)
class Cell:
    people: int
    alone: int

    @property
    def share(self) -> float | None:
        return self.alone / self.people if self.people else None


@dataclass(frozen=True)
class DiD:
    design: str
    #: (group, moment) -> people asked and people who did it alone; None when masked
    cells: dict[tuple[str, str], Cell | None]
    estimate: float | None
    low: float | None
    high: float | None
    published: bool
    conclusion: str
    limits: str = LIMITS

    @property
    def significant(self) -> bool | None:
        if self.estimate is None or self.low is None or self.high is None:
            return None
        return not (self.low <= 0 <= self.high)

    @property
    def design_words(self) -> str:
        return (
            "Avant/après comparé à "
            f"{DESIGNS.get(self.design, self.design)} (différence de différences, modèle "
            "linéaire, erreurs types regroupées par personne)."
        )


def _pts(x: float) -> str:
    return f"{x * 100:+.1f}".replace(".", ",") + " points"


def cells(answers: Sequence[Answer]) -> dict[tuple[str, str], Cell]:
    out = {}
    for g, pilot in zip(GROUPS, (True, False), strict=True):
        for m, after in zip(MOMENTS, (False, True), strict=True):
            rows = [a for a in answers if a.pilot == pilot and a.after == after]
            out[(g, m)] = Cell(len(rows), sum(a.alone for a in rows))
    return out


def estimate(design: str, answers: Sequence[Answer], *, threshold: int = 11) -> DiD:
    counts = cells(answers)
    safe = all(
        k == 0 or k >= threshold for c in counts.values() for k in (c.alone, c.people - c.alone)
    )
    if not safe:
        masked: dict[tuple[str, str], Cell | None] = dict.fromkeys(counts)
        return DiD(
            design,
            masked,
            None,
            None,
            None,
            False,
            "Non publié : trop peu de personnes dans un des groupes avant ou après.",
        )
    fit = fitted(answers) if all(c.people for c in counts.values()) else None
    shown: dict[tuple[str, str], Cell | None] = dict(counts)
    if fit is None:
        return DiD(
            design,
            shown,
            None,
            None,
            None,
            True,
            "Non estimable : il manque des réponses avant ou après dans un des groupes.",
        )
    d, low, high = fit
    if low <= 0 <= high:
        words = (
            f"La part des personnes qui font seules la démarche a évolué de {_pts(d)} de plus "
            f"dans le pilote que dans le groupe de comparaison (intervalle de confiance à 95 % "
            f"de {_pts(low)} à {_pts(high)}) : ces données ne permettent pas de dire que le "
            "dispositif a changé cette part (ce qui ne veut pas dire qu'il est sans effet)."
        )
    else:
        words = (
            f"La part des personnes qui font seules la démarche a {'plus' if d > 0 else 'moins'} "
            f"progressé dans le pilote que dans le groupe de comparaison : {_pts(d)} "
            f"(intervalle de confiance à 95 % de {_pts(low)} à {_pts(high)}), en supposant "
            "que, sans le dispositif, les deux groupes auraient évolué de la même façon."
        )
    return DiD(design, shown, d, low, high, True, words)


def fitted(answers: Sequence[Answer]) -> tuple[float, float, float] | None:
    """The interaction coefficient and its 95 % interval (person-clustered), or None."""
    from statsmodels.regression.linear_model import OLS

    pilot = np.array([float(a.pilot) for a in answers])
    after = np.array([float(a.after) for a in answers])
    x = np.column_stack([np.ones(len(answers)), pilot, after, pilot * after])
    y = np.array([float(a.alone) for a in answers])
    groups = np.unique([a.person for a in answers], return_inverse=True)[1]
    if np.linalg.matrix_rank(x) < 4:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
        low, high = (float(v) for v in result.conf_int()[3])
        d = float(result.params[3])
    if not all(math.isfinite(v) for v in (d, low, high)):
        return None
    return d, low, high


def withheld(result: DiD, reason: str) -> DiD:
    """The same design with nothing shown: a published table's masked cell protects it."""
    return DiD(result.design, dict.fromkeys(result.cells), None, None, None, False, reason)
