"""Help pages in plain French, one per workspace, written for the people at the desk."""

from voucher.web.help.views import register

__all__ = ["register"]
