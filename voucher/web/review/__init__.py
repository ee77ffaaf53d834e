"""Review workspace for funder and finance staff: held scans and fraud alerts."""

from voucher.web.review import disputes  # noqa: F401  (its routes join the review pages)
from voucher.web.review.views import register

__all__ = ["register"]
