"""Fraud rules: the catalogue, per-programme thresholds and the pure decisions.

Rules kept here (no I/O; the services gather the facts with indexed look-ups):

* every rule has a stable ``name`` (it appears in verdicts, holds, flags, error codes and
  exports and never changes meaning), a French explanation read by the desk and the
  reviewer, an outcome (``flag`` = allow and flag, ``hold`` = park for review, ``refuse``)
  and default thresholds;
* a programme overrides thresholds in ``Programme.fraud_thresholds``, a JSON object
  ``{"rule": {"param": value}}``; only rules marked ``per_programme`` may be tuned, every
  param is an integer within documented bounds, ``active`` (true/false) switches a tunable
  rule off, and ``outcome`` may soften or harden a hold rule between ``flag`` and ``hold``.
  :func:`validate` refuses anything else with ``invalid_fraud_thresholds``;
  :func:`effective` (used at scan time) falls back to the default for any bad value, so a
  hand-edited row never disables a rule by accident;
* the day of a scan is its Europe/Paris calendar day.

The guessing maths live in :mod:`voucher.domain.code_guessing`, a rule's verdict on one
scan in :mod:`voucher.domain.verdicts`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from voucher.domain.errors import DomainError, register

OUTCOMES = ("flag", "hold", "refuse")
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Param:
    name: str
    default: int
    minimum: int
    maximum: int
    meaning: str
    #: the unit a form shows after the number (« chèques », « jours », « % »…)
    unit: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    explanation: str
    outcome: str
    #: where it is evaluated: scan (inside the redemption), refusal (when a refused scan is
    #: logged), before_scan (before any look-up), payment (at month close)
    stage: str
    #: ``core`` when the refusal itself lives in the ledger core, ``rules`` otherwise
    enforced_by: str = "rules"
    per_programme: bool = False
    params: tuple[Param, ...] = ()

    def defaults(self) -> dict[str, Any]:
        base: dict[str, Any] = {p.name: p.default for p in self.params}
        if self.per_programme:
            base["active"] = True
            base["outcome"] = self.outcome
        return base

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "already_redeemed",
        "Chèque déjà encaissé",
        "Ce chèque a déjà été encaissé : le second passage est refusé, et signalé avec le premier "
        "(lieu et heure) s'il vient d'un autre lieu ou plus tard.",
        "refuse",
        "refusal",
        "core",
        True,
        (
            Param(
                "same_desk_minutes",
                10,
                0,
                1440,
                "un second passage au même lieu dans ce délai est un double bip, non signalé",
                "minutes",
            ),
        ),
    ),
    Rule(
        "replayed_scan",
        "Scan rejoué",
        "Le même identifiant de scan renvoyé rend le premier résultat sans rien changer ; "
        "réutilisé pour un autre chèque, il est refusé (scan_id_reused).",
        "refuse",
        "scan",
        "core",
    ),
    Rule(
        "code_guessing",
        "Codes devinés",
        "Trop de codes inconnus ou mal saisis depuis le même compte, la même clé d'API ou la même "
        "adresse : les essais sont ralentis, puis bloqués, et une alerte est levée.",
        "refuse",
        "before_scan",
        params=(
            Param("window_minutes", 15, 1, 1440, "fenêtre où l'on compte les échecs"),
            Param("slow_after", 5, 1, 1000, "échecs dans la fenêtre avant de ralentir"),
            Param(
                "delay_seconds", 30, 1, 3600, "attente imposée entre deux essais une fois ralenti"
            ),
            Param("lock_after", 10, 2, 1000, "échecs dans la fenêtre qui bloquent"),
            Param("lock_minutes", 60, 1, 10080, "durée du blocage après le dernier échec bloquant"),
            Param(
                "address_slow_after",
                20,
                1,
                4000,
                "pour une adresse (plusieurs postes derrière une même box) : échecs avant de ralentir",
            ),
            Param(
                "address_lock_after",
                40,
                2,
                4000,
                "pour une adresse (plusieurs postes derrière une même box) : échecs qui bloquent",
            ),
            Param(
                "offline_budget",
                20,
                1,
                1000,
                "échecs de scans datés (hors ligne) acceptés par 24 h d'envoi, par compte, clé ou adresse",
            ),
        ),
    ),
    Rule(
        "book_per_day",
        "Trop de chèques d'un carnet le même jour",
        "Plusieurs chèques du même carnet encaissés le même jour : une séance vaut un chèque, "
        "le passage attend une vérification.",
        "hold",
        "scan",
        per_programme=True,
        params=(Param("max", 2, 1, 50, "chèques d'un même carnet acceptés par jour", "chèques"),),
    ),
    Rule(
        "beneficiary_per_day",
        "Trop de chèques d'un bénéficiaire le même jour",
        "Plusieurs chèques du même bénéficiaire encaissés le même jour : une séance vaut un chèque, "
        "le passage attend une vérification.",
        "hold",
        "scan",
        per_programme=True,
        params=(
            Param("max", 2, 1, 50, "chèques d'un même bénéficiaire acceptés par jour", "chèques"),
        ),
    ),
    Rule(
        "structure_volume",
        "Volume inhabituel du lieu",
        "Ce lieu encaisse aujourd'hui bien plus que d'habitude (comparé à la médiane de ses jours "
        "d'activité récents) : le passage attend une vérification.",
        "hold",
        "scan",
        per_programme=True,
        params=(
            Param("trailing_days", 28, 7, 365, "jours précédents examinés", "jours"),
            Param(
                "min_active_days", 10, 1, 365, "jours d'activité nécessaires pour juger", "jours"
            ),
            Param("factor_pct", 300, 150, 10000, "au-delà de ce pourcentage de la médiane", "%"),
            Param(
                "min_count",
                10,
                1,
                100000,
                "jamais en dessous de ce nombre de scans du jour",
                "scans",
            ),
        ),
    ),
    Rule(
        "whole_book",
        "Carnet entier en quelques minutes",
        "Tous les chèques du carnet encaissés au même lieu en quelques minutes : le passage "
        "attend une vérification.",
        "hold",
        "scan",
        per_programme=True,
        params=(
            Param(
                "window_minutes",
                60,
                1,
                1440,
                "durée dans laquelle un carnet entier est suspect",
                "minutes",
            ),
            Param(
                "min_book_size",
                3,
                2,
                50,
                "taille de carnet à partir de laquelle la règle s'applique",
                "chèques",
            ),
        ),
    ),
    Rule(
        "not_accepted_here",
        "Hors zone ou lieu non accepté",
        "Le lieu n'est pas dans les zones, les labels ou la liste de lieux du dispositif : refusé.",
        "refuse",
        "scan",
        "core",
    ),
    Rule(
        "structure_not_labelled",
        "Label échu",
        "Le lieu n'a plus de label valide ce jour-là : refusé.",
        "refuse",
        "scan",
        "core",
    ),
    Rule(
        "lost_or_stolen_book",
        "Carnet perdu ou volé",
        "Ce chèque vient d'un carnet déclaré perdu ou volé : refusé (cancelled), et le lieu est signalé.",
        "refuse",
        "refusal",
        "core",
    ),
    Rule(
        "never_handed_out",
        "Chèque jamais remis",
        "Ce chèque n'a jamais été remis à un bénéficiaire par un prescripteur : signalé par défaut ; "
        "le dispositif peut choisir de le retenir ou de le refuser (handout_policy).",
        "flag",
        "scan",
        "core",
    ),
    Rule(
        "recent_iban_change",
        "IBAN modifié récemment",
        "Les coordonnées bancaires du lieu ont changé récemment : son prochain paiement attend "
        "une seconde approbation.",
        "hold",
        "payment",
        params=(
            Param("days", 60, 1, 730, "un changement d'IBAN plus récent que ce nombre de jours"),
        ),
    ),
)

RULES: dict[str, Rule] = {r.name: r for r in CATALOGUE}

register(
    "invalid_fraud_thresholds",
    "Seuils anti-fraude invalides : règle, paramètre ou valeur non reconnus (voir docs/fraud-rules.md).",
)
register(
    "too_many_attempts",
    "Trop de codes inconnus ou mal saisis : patientez quelques secondes avant de réessayer.",
)
register(
    "locked",
    "Trop de codes inconnus ou mal saisis : les scans sont bloqués un moment. Un responsable a été prévenu.",
)


def _bad(rule: str, param: str | None, why: str) -> DomainError:
    where = f"{rule}.{param}" if param else rule
    return DomainError(
        "invalid_fraud_thresholds",
        f"Seuils anti-fraude invalides ({where}) : {why}.",
        rule=rule,
        param=param,
    )


def _check_value(rule: Rule, key: str, value: Any) -> Any:
    if key == "active":
        if not isinstance(value, bool):
            raise _bad(rule.name, key, "vrai ou faux attendu")
        return value
    if key == "outcome":
        if rule.outcome != "hold" or value not in ("flag", "hold"):
            raise _bad(rule.name, key, "« flag » ou « hold » attendu, pour une règle de retenue")
        return value
    param = rule.param(key)
    if param is None:
        raise _bad(rule.name, key, "paramètre inconnu")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(rule.name, key, "nombre entier attendu")
    if not param.minimum <= value <= param.maximum:
        raise _bad(rule.name, key, f"entre {param.minimum} et {param.maximum}")
    return value


def validate(raw: Any) -> dict[str, dict[str, Any]]:
    """Check a programme's overrides; return them normalised (or raise)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _bad("*", None, "objet JSON attendu")
    clean: dict[str, dict[str, Any]] = {}
    for name, overrides in raw.items():
        rule = RULES.get(name) if isinstance(name, str) else None
        if rule is None or not rule.per_programme:
            raise _bad(str(name), None, "règle inconnue ou non réglable par dispositif")
        if not isinstance(overrides, Mapping):
            raise _bad(name, None, "objet JSON attendu")
        clean[name] = {str(k): _check_value(rule, str(k), v) for k, v in overrides.items()}
    return clean


#: each rule's defaults, built once (a scan's rules ask for them five times)
_DEFAULTS: dict[str, dict[str, Any]] = {r.name: r.defaults() for r in CATALOGUE}


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, a dict (JSON read) answered without the ABC's check
    (a scan asks ten times)."""
    return type(value) is dict or isinstance(value, Mapping)


def effective(raw: Any, name: str) -> dict[str, Any]:
    """Defaults of ``name`` overlaid with the programme's valid overrides (bad ones ignored)."""
    rule = RULES[name]
    values = dict(_DEFAULTS[name])  # a copy: the caller may change it
    overrides = raw.get(name) if raw and _is_mapping(raw) else None
    if overrides is not None and _is_mapping(overrides) and rule.per_programme:
        for key, value in overrides.items():
            try:
                values[key] = _check_value(rule, key, value)
            except DomainError:
                continue
    return values


def defaults() -> dict[str, dict[str, Any]]:
    return {r.name: r.defaults() for r in CATALOGUE if r.params or r.per_programme}


# --- pure decisions -------------------------------------------------------------------


def over_daily_limit(already_today: int, limit: int) -> bool:
    """True when this scan (one more than ``already_today``) exceeds ``limit``."""
    return already_today + 1 > limit


def volume_limit(history: Sequence[int], p: Mapping[str, Any]) -> int | None:
    """The most scans a structure may record today before its scans are held, from the
    counts of its previous days (zero days are closed days and ignored); None while it has
    too little history to judge."""
    active = [n for n in history if n > 0]
    if len(active) < p["min_active_days"]:
        return None
    median = statistics.median(active)
    return max(math.floor(median * p["factor_pct"] / 100), p["min_count"])


def whole_book(
    prior_times: Sequence[datetime],
    prior_structures: Sequence[int],
    structure_id: int,
    book_size: int,
    at: datetime,
    p: Mapping[str, Any],
) -> bool:
    """This scan completes the book, every earlier voucher of it went through the same
    structure, and the first of them is less than ``window_minutes`` old."""
    if book_size < p["min_book_size"] or len(prior_times) != book_size - 1:
        return False
    if any(s != structure_id for s in prior_structures):
        return False
    return at - min(prior_times) <= timedelta(minutes=p["window_minutes"])


def severity(rule: str, outcome: str, *, elsewhere: bool = False) -> str:
    """How loud an alert is: refusals of a probable fraud and locks are high, holds medium,
    plain flags low; a second scan at the same place is medium (often a distracted desk)."""
    if rule == "already_redeemed":
        return "high" if elsewhere else "medium"
    if outcome == "refuse":
        return "high"
    return "medium" if outcome == "hold" else "low"
