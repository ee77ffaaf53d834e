"""Security headers on every answer (pages, API, files, errors).

* Content-Security-Policy without ``'unsafe-inline'``: scripts and styles come only from
  ``/static`` (no inline ``<script>``, no ``style=""``; charts are drawn with presentation
  attributes, see :mod:`voucher.documents.svg_attributes`); ``frame-ancestors 'none'`` (and
  ``X-Frame-Options: DENY`` for old browsers), no ``<base>``, no plugins, forms post only here;
* the scan desk alone may compile the barcode decoder's WebAssembly and use the camera;
* ``Referrer-Policy: same-origin`` (links to other sites do not learn our paths),
  ``Permissions-Policy`` (no camera except on the desk, no microphone, position, payment, USB),
  ``X-Content-Type-Options: nosniff``, ``Cross-Origin-Opener-Policy: same-origin``;
* ``Strict-Transport-Security`` only when the request came over HTTPS (behind a proxy, run
  with ``ProxyFix`` so ``request.is_secure`` is true), never on plain HTTP.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: the desk decodes barcodes with a self-hosted WebAssembly module, from the camera or a photo
DESK_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'").replace(
    "connect-src 'self'", "connect-src 'self' data: blob:"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
DESK_PERMISSIONS = PERMISSIONS.replace("camera=()", "camera=(self)")
HSTS = "max-age=31536000; includeSubDomains"
DESK_PREFIX = "/accueil"


def init_app(app: Flask) -> None:
    @app.after_request
    def _secure(response: Response) -> Response:
        desk = request.path == DESK_PREFIX or request.path.startswith(DESK_PREFIX + "/")
        headers = response.headers
        headers.setdefault("Content-Security-Policy", DESK_CSP if desk else CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", DESK_PERMISSIONS if desk else PERMISSIONS)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
