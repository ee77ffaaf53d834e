"""The only package that imports Flask: app factory, blueprints, API, auth, CLI."""

from voucher.web.app import create_app

__all__ = ["create_app"]
