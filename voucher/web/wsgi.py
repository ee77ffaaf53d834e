"""WSGI entry point for gunicorn: ``gunicorn voucher.web.wsgi:app``."""

from voucher.web.app import create_app

app = create_app()
