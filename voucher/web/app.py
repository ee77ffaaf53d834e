"""Application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

import templates as templates_package
from voucher import config
from voucher.web import (
    account,
    admin,
    api,
    auth,
    db,
    desk,
    directory,
    errors,
    finance,
    formats,
    forms,
    funder,
    headers,
    help,
    home,
    hygiene,
    impact,
    limits,
    places,
    prescriber,
    review,
    tasks,
    workspaces,
)

#: every blueprint of the app: one package per workspace, the JSON API, the navigation
WORKSPACES = (
    home,
    review,
    api,
    workspaces,
    admin,
    funder,
    prescriber,
    desk,
    directory,
    help,
    impact,
    finance,
    places,
    tasks,
    account,
)
STATIC = Path(__file__).resolve().parent.parent / "static"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        "voucher",
        template_folder=str(Path(templates_package.__file__).parent),
        static_folder=str(STATIC),
        static_url_path="/static",
        instance_path=str(settings["INSTANCE_PATH"]),
    )
    app.config.update(settings)
    db.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    formats.init_app(app)
    forms.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    for workspace in WORKSPACES:
        workspace.register(app)
    hygiene.init_app(app)  # after the API's own hook (it sets the body size allowed)
    return app
