"""Fraud thresholds as a form: one group per tunable rule (on or off, what happens when it
fires, each number with its unit and its default), read back into the overrides
:func:`voucher.domain.fraud.validate` checks. An empty number or the default stores
nothing, so a later change of a default reaches the programme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voucher.domain import fraud
from voucher.domain.errors import DomainError

TUNABLE = tuple(r for r in fraud.CATALOGUE if r.per_programme)


def field(rule: str, key: str) -> str:
    return f"seuil__{rule}__{key}"


def _number(rule: fraud.Rule, param: fraud.Param, raw: str) -> int | None:
    cleaned = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not cleaned:
        return None
    where = f"{rule.title} — {param.meaning}"
    limits = f"entre {param.minimum} et {param.maximum} {param.unit}".rstrip()
    if not cleaned.isdigit():
        raise DomainError(
            "invalid_fraud_thresholds",
            f"{where} : écrivez un nombre entier, {limits}.",
            field=field(rule.name, param.name),
        )
    value = int(cleaned)
    if not param.minimum <= value <= param.maximum:
        raise DomainError(
            "invalid_fraud_thresholds",
            f"{where} : la valeur doit être {limits}.",
            field=field(rule.name, param.name),
        )
    return value


def from_form(form: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The overrides a posted form asks for; a rule the form did not show keeps nothing."""
    out: dict[str, dict[str, Any]] = {}
    for rule in TUNABLE:
        if form.get(field(rule.name, "shown")) is None:
            continue
        over: dict[str, Any] = {}
        if not form.get(field(rule.name, "active")):
            over["active"] = False
        outcome = form.get(field(rule.name, "outcome"))
        if rule.outcome == "hold" and outcome and outcome != rule.outcome:
            if outcome not in ("flag", "hold"):
                raise DomainError(
                    "invalid_fraud_thresholds",
                    f"{rule.title} : choisissez « signaler » ou « mettre en attente ».",
                    field=field(rule.name, "outcome"),
                )
            over["outcome"] = outcome
        for param in rule.params:
            value = _number(rule, param, form.get(field(rule.name, param.name)) or "")
            if value is not None and value != param.default:
                over[param.name] = value
        if over:
            out[rule.name] = over
    return fraud.validate(out)


def shown(saved: Any, form: Mapping[str, str] | None) -> dict[str, dict[str, Any]]:
    """What each field shows: what was just posted (after a refusal), else the
    programme's effective values (its overrides over the defaults)."""
    values: dict[str, dict[str, Any]] = {}
    for rule in TUNABLE:
        current = fraud.effective(saved or {}, rule.name)
        if form is not None and form.get(field(rule.name, "shown")) is not None:
            current = {
                "active": bool(form.get(field(rule.name, "active"))),
                "outcome": form.get(field(rule.name, "outcome")) or rule.outcome,
                **{p.name: form.get(field(rule.name, p.name), "") for p in rule.params},
            }
        values[rule.name] = current
    return values
