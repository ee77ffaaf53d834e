"""The prescriber's desk: batches received, carnets handed out to beneficiaries."""

from voucher.web.prescriber.views import register

__all__ = ["register"]
