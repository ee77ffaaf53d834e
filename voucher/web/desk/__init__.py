"""The reception scan desk: the screen used hundreds of times a day."""

from voucher.web.desk.views import register

__all__ = ["register"]
