"""Administration: people and their roles, organisations and their labels, API keys."""

from voucher.web.admin.views import register

__all__ = ["register"]
