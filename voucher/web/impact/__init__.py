"""Evaluator workspace: protected indicators, the rural / urban comparison, charts and exports."""

from voucher.web.impact.views import register

__all__ = ["register"]
