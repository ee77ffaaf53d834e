"""Blueprints added by each workspace (web, API, finance, impact...). Each feature adds one
line here; keeping them in one list makes the app's surface easy to read."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from voucher.web import review  # fraud review queue and alerts (#6)

    review.register(app)
    from voucher.web import api  # JSON API /api/v1, OpenAPI, API keys, idempotent scans (#5)

    api.register(app)
    from voucher.web import admin, desk, funder, help, prescriber, workspaces  # web workspaces (#4)

    for feature in (workspaces, admin, funder, prescriber, desk, help):
        feature.register(app)
    from voucher.web import impact  # evaluator workspace: indicators, charts, exports (#8)

    impact.register(app)
    from voucher.web import (
        finance,  # finance workspace: close, statements, payments, bank, FEC (#7)
    )

    finance.register(app)
