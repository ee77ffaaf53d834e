"""The home page: what the ledger holds, in figures."""

from voucher.web.home.views import register

__all__ = ["register"]
