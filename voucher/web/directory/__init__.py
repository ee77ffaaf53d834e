"""The public directory "Où utiliser mon pass ?" (no sign-in), its export in the national
format, and the letter a prescriber prints with a carnet."""

from voucher.web.directory.views import register

__all__ = ["register"]
