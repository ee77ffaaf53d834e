"""A person's own account: the forgotten password (asked by e-mail, set from the link)
and "Mes notifications" (which mails one receives)."""

from voucher.web.account.views import register

__all__ = ["register"]
