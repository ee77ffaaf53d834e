"""The finance workspace: months and their close, statements, payment runs, bank settlement,
accounting exports and credit notes, all on one blueprint
(:mod:`voucher.web.finance.blueprint`); and a structure's own statements."""

from flask import Flask

from voucher.web import workspaces
from voucher.web.finance import (
    accounting,
    bank,
    credit_notes,
    invoices,
    months,
    payments,
    statements,
)
from voucher.web.finance.blueprint import FINANCE, bp

#: the modules whose routes make up the blueprint
PAGES = (months, statements, payments, bank, accounting, credit_notes, invoices)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    workspaces.add("finance.index", "Finance", FINANCE)
    workspaces.add("finance.structure_statements", "Relevés", ("reception",))
