"""Evaluator workspace: protected indicators, the rural / urban comparison, charts and exports,
and the evaluation page (pilot planner, autonomy outcome, adjusted comparisons)."""

from voucher.web.impact import evaluation as _evaluation  # noqa: F401  (registers its routes)
from voucher.web.impact import releases as _releases  # noqa: F401  (registers its routes)
from voucher.web.impact.views import register

__all__ = ["register"]
