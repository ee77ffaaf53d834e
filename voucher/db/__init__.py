"""Persistence: SQLAlchemy 2 models, engine and session setup, migrations, read queries."""
