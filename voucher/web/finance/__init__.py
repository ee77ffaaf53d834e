"""The finance workspace: months, close, statements, payments, bank settlement, accounting."""

from voucher.web.finance.months import register

__all__ = ["register"]
