"""``GET /api/v1/ping`` (a bare JSON answer: no key, no database — the baseline of benchmark
B2) and ``GET /api/v1/docs`` (the OpenAPI document rendered as a readable French page,
served by the app: no CDN, no script)."""

from __future__ import annotations

from flask import Response, current_app, render_template
from flask_smorest import Blueprint

from schemas.api.common import PingSchema
from voucher.domain.errors import MESSAGES
from voucher.web.api import docs_page

blp = Blueprint("api_meta", __name__, url_prefix="/api/v1", description="Service")
PONG = b'{"status":"ok"}'


@blp.route("/ping", methods=["GET"])
@blp.doc(security=[], summary="Le service répond (sans clé, sans base de données)")
@blp.response(200, PingSchema)
def ping() -> Response:
    return Response(PONG, mimetype="application/json")


@blp.route("/docs", methods=["GET"])
@blp.doc(security=[], summary="Cette documentation, lisible (HTML)")
@blp.response(200, content_type="text/html")
def docs() -> Response:
    spec = current_app.extensions["voucher.api"].document()
    html = render_template(
        "api/docs.html", doc=docs_page.build(spec), codes=sorted(MESSAGES.items())
    )
    return Response(html, mimetype="text/html")
