"""French formats for people (babel): money, numbers, dates."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask

from voucher.domain.calendar import PARIS
from voucher.domain.codes import format_code
from voucher.domain.money import format_eur


def init_app(app: Flask) -> None:
    app.jinja_env.filters["eur"] = format_eur
    app.jinja_env.filters["number"] = lambda n: format_decimal(n, locale="fr_FR")
    app.jinja_env.filters["day"] = lambda d: (
        format_date(d, "d MMMM y", locale="fr_FR") if isinstance(d, date) else ""
    )
    app.jinja_env.filters["moment"] = lambda d: (
        format_datetime(d, "d MMM y 'à' HH:mm", tzinfo=PARIS, locale="fr_FR")
        if isinstance(d, datetime)
        else ""
    )
    app.jinja_env.filters["code"] = format_code
