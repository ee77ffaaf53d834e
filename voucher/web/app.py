"""Application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

import templates as templates_package
from voucher.web import auth, config, db, errors, formats, limits

STATIC = Path(__file__).resolve().parent.parent / "static"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "voucher",
        template_folder=str(Path(templates_package.__file__).parent),
        static_folder=str(STATIC),
        static_url_path="/static",
        instance_path=str(config.load(overrides)["INSTANCE_PATH"]),
    )
    app.config.update(config.load(overrides))
    db.init_app(app)
    errors.init_app(app)
    formats.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    from voucher.web import home

    app.register_blueprint(home.bp)
    for hook in app.config.get("EXTRA_BLUEPRINTS", []):
        hook(app)
    _register_optional(app)
    return app


def _register_optional(app: Flask) -> None:
    """Workspaces and the API register themselves here as they are built."""
    from voucher.web import features

    features.register(app)
