"""The funder's desk: programmes, batches and printing, partners and pilot zones."""

from voucher.web.funder.programmes import register

__all__ = ["register"]
