"""The funder's desk: programmes, batches and printing, partners and pilot zones, all on
one blueprint (:mod:`voucher.web.funder.blueprint`)."""

from flask import Flask

from voucher.web.funder import batches, comparison, cover, invoices, partners, programmes
from voucher.web.funder.blueprint import bp

#: the modules whose routes make up the blueprint
PAGES = (programmes, batches, partners, cover, invoices, comparison)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
