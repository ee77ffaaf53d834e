"""The only package that imports Flask: the app factory (app.py), one blueprint package per
workspace, the JSON API (api/), sign-in, the request wrapper (db.py) and error pages."""
