"""Pilot planner: how many carnets per zone a pilot needs, and what a running pilot can see.

Rules kept:

- Two independent proportions, two-sided test, compared on Cohen's arcsine effect size
  ``h = 2·asin(√p1) − 2·asin(√p0)`` with statsmodels' ``NormalIndPower`` (the same figures
  as ``statsmodels.stats.power``; the tests compare them).
- The outcome is per carnet (carnet started, carnet completed, autonomy gained): one carnet
  is one observation. When the unit is the **voucher** (e.g. "voucher used"), the vouchers of
  a carnet are alike (same person), so the sample is inflated by the **design effect**
  ``1 + (m − 1)·ICC`` (Kish), m vouchers per carnet, and the carnets needed are the vouchers
  needed divided by m, rounded up.
- A running pilot's **minimum detectable difference** is the smallest increase over the
  baseline that its current carnets per zone would detect with the chosen power; it is
  said in percentage points, in plain French.
- Bad input (a share outside ]0, 1[, a difference that leaves [0, 1], power or confidence
  outside ]0, 1[, fewer than 2 carnets) is refused with a stable code, never a trace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from voucher.domain.errors import DomainError, register

register(
    "plan_unknown_outcome",
    "Résultat inconnu : choisissez carnet commencé, carnet terminé, autonomie gagnée ou chèque utilisé.",
)
register(
    "plan_invalid_share",
    "La part de référence et la part attendue doivent être comprises strictement entre 0 et 100 %, et l'écart non nul.",
)
register(
    "plan_invalid_power",
    "La puissance et la confiance doivent être comprises strictement entre 0 et 100 %.",
)
register(
    "plan_invalid_design",
    "Le nombre de chèques par carnet doit être au moins 1 et la corrélation entre 0 et 1.",
)
register(
    "plan_too_few_carnets",
    "Il faut au moins 2 carnets par zone pour calculer l'écart que le pilote peut voir.",
)

#: outcomes a funder can plan for, with the unit they count
OUTCOMES: dict[str, tuple[str, str]] = {
    "carnet_commence": ("Carnet commencé (au moins une séance)", "carnet"),
    "carnet_termine": ("Carnet terminé (tous les chèques utilisés)", "carnet"),
    "autonomie_gagnee": ("Autonomie gagnée (dernier niveau noté au-dessus du premier)", "carnet"),
    "cheque_utilise": ("Chèque utilisé", "cheque"),
}
#: default intra-carnet correlation for voucher-level outcomes (vouchers of one person)
DEFAULT_ICC = 0.3


@dataclass(frozen=True)
class Plan:
    outcome: str
    baseline: float
    difference: float
    power: float
    confidence: float
    unit: str
    vouchers_per_carnet: int
    icc: float
    design_effect: float
    #: observations per zone if they were independent
    independent_per_zone: int
    #: carnets per zone to hand out
    carnets_per_zone: int

    def sentence(self) -> str:
        label = OUTCOMES[self.outcome][0].lower()
        text = (
            f"Pour voir un écart de {_pts(self.difference)} sur « {label} » "
            f"(référence {_pct(self.baseline)}), avec une puissance de {_pct(self.power)} "
            f"et une confiance de {_pct(self.confidence)}, il faut remettre au moins "
            f"{self.carnets_per_zone} carnets dans chaque zone."
        )
        if self.unit == "cheque":
            text += (
                f" Le résultat se compte par chèque : les {self.vouchers_per_carnet} chèques "
                f"d'un carnet se ressemblent (corrélation {_dec(self.icc)}), ce qui multiplie "
                f"l'effectif nécessaire par {_dec(self.design_effect)} (effet de plan)."
            )
        return text


@dataclass(frozen=True)
class Detectable:
    baseline: float
    carnets: tuple[int, int]
    power: float
    confidence: float
    #: smallest increase over the baseline the pilot would detect, as a share (0.1 = 10 points)
    difference: float

    def sentence(self) -> str:
        a, b = self.carnets
        return (
            f"Avec {a} et {b} carnets, le pilote peut voir un écart d'au moins "
            f"{_pts(self.difference)} au-dessus de {_pct(self.baseline)} "
            f"(puissance {_pct(self.power)}, confiance {_pct(self.confidence)}) ; "
            "un écart plus petit peut exister sans que ces données permettent de le voir."
        )


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %".replace(".", ",")


def _dec(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def _pts(x: float) -> str:
    return f"{x * 100:.1f} points".replace(".", ",").replace(",0 points", " points")


def _share(value: float, code: str) -> float:
    if not (isinstance(value, int | float) and 0 < value < 1 and math.isfinite(value)):
        raise DomainError(code)
    return float(value)


def design_effect(vouchers_per_carnet: int, icc: float) -> float:
    """Kish's design effect of clusters of ``vouchers_per_carnet`` with correlation ``icc``."""
    if vouchers_per_carnet < 1 or not 0 <= icc <= 1:
        raise DomainError("plan_invalid_design")
    return 1 + (vouchers_per_carnet - 1) * icc


def plan(
    outcome: str,
    baseline: float,
    difference: float,
    *,
    power: float = 0.8,
    confidence: float = 0.95,
    vouchers_per_carnet: int = 10,
    icc: float = DEFAULT_ICC,
) -> Plan:
    """Carnets per zone needed to detect ``baseline`` vs ``baseline + difference``."""
    if outcome not in OUTCOMES:
        raise DomainError("plan_unknown_outcome")
    p0 = _share(baseline, "plan_invalid_share")
    _share(power, "plan_invalid_power")
    alpha = 1 - _share(confidence, "plan_invalid_power")
    if not isinstance(difference, int | float) or difference == 0:
        raise DomainError("plan_invalid_share")
    p1 = _share(p0 + difference, "plan_invalid_share")
    unit = OUTCOMES[outcome][1]
    deff = design_effect(vouchers_per_carnet, icc) if unit == "cheque" else 1.0
    h = abs(float(proportion_effectsize(p1, p0)))
    n = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    independent = math.ceil(float(n))
    if unit == "cheque":
        vouchers = math.ceil(float(n) * deff)
        carnets = math.ceil(vouchers / vouchers_per_carnet)
    else:
        carnets = independent
    return Plan(
        outcome,
        p0,
        float(difference),
        float(power),
        float(confidence),
        unit,
        vouchers_per_carnet,
        float(icc),
        deff,
        independent,
        carnets,
    )


def detectable(
    baseline: float,
    carnets_a: int,
    carnets_b: int,
    *,
    power: float = 0.8,
    confidence: float = 0.95,
) -> Detectable:
    """Smallest increase over ``baseline`` that zones of these sizes detect with ``power``."""
    p0 = _share(baseline, "plan_invalid_share")
    _share(power, "plan_invalid_power")
    alpha = 1 - _share(confidence, "plan_invalid_power")
    if carnets_a < 2 or carnets_b < 2:
        raise DomainError("plan_too_few_carnets")
    h = NormalIndPower().solve_power(
        effect_size=None,
        nobs1=carnets_a,
        alpha=alpha,
        power=power,
        ratio=carnets_b / carnets_a,
        alternative="two-sided",
    )
    # invert h = 2·asin(√p1) − 2·asin(√p0) for the increase
    angle = min(math.pi / 2, math.asin(math.sqrt(p0)) + float(h) / 2)
    p1 = math.sin(angle) ** 2
    return Detectable(p0, (carnets_a, carnets_b), float(power), float(confidence), p1 - p0)
