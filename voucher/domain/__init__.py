"""Pure rules: states, codes, money, ledger maths, fraud rules, statistics.

Imports neither Flask nor SQLAlchemy; unit-tested without a database.
"""
