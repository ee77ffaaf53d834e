"""Administration: people and their roles, organisations and their labels, API keys."""

from voucher.web.admin import webhooks  # noqa: F401 (adds its pages to the blueprint)
from voucher.web.admin.views import register

__all__ = ["register"]
