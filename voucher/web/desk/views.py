"""The reception scan desk: the screen used hundreds of times a day.

Rules kept:

* one large input, focused on load and after every scan; a USB scanner (code + Enter)
  needs no click; the page checks the Damm digit before sending (``static/js/codes.js``,
  the same normalisation as :mod:`voucher.domain.codes`) and the server checks again;
* a scan (typed, scanned or photographed) goes through the one scan use case
  (:func:`voucher.services.redemption.scan.scan`: code guessing checked first, the
  redemption, the refusal logged by its one rule); the page only shows its outcome;
* the page carries a scan id (made by the page, or by the server when scripts are off):
  a double Enter, a retry after a timeout or a refreshed form replays the first answer,
  never a second redemption;
* a refused scan changes nothing; its log (guessing counters, the day's history) is
  committed with the refusal (``@writes(keep_on_refusal=True)``);
* the theme chosen for the session is kept between scans (and in the sign-in session);
  the autonomy level is per person and starts empty each time;
* cancelling: only one's own scans, within the programme's window, at one's own structure
  (another structure's scan answers 404);
* a phone can use its camera (self-hosted ``barcode-detector`` polyfill, see
  ``static/vendor/barcode-detector/README.md``) or send a photo decoded here by zxing-cpp.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf

from voucher.db.queries import desk as desk_queries
from voucher.documents.barcode_reader import read_codes
from voucher.domain import codes, vocab
from voucher.domain.calendar import PARIS, paris_date, utcnow
from voucher.domain.errors import MESSAGES, DomainError
from voucher.domain.money import format_eur
from voucher.services.redemption import cancel as cancelling
from voucher.services.redemption import disputes
from voucher.services.redemption import scan as scanning
from voucher.services.redemption.redeem import Result, Scan
from voucher.web import follow_up_form, forms
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes
from voucher.web.errors import status_for
from voucher.web.limits import limiter

bp = Blueprint("desk", __name__, url_prefix="/accueil")
RECEPTION = "reception"
SCAN_LIMIT = "120 per minute"
SCAN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
ADVICE = {
    "mistyped_code": "Retapez le code en vérifiant chaque chiffre, ou scannez-le de nouveau.",
    "unknown_code": "Vérifiez le code. Si le chèque semble authentique, gardez-le et appelez le financeur.",
    "already_redeemed": "Ne pas accepter ce chèque. La personne peut payer avec un autre chèque de son carnet.",
    "held": "Ce chèque a déjà été scanné et attend une vérification : ne pas l'accepter une seconde fois.",
    "not_active": "Ne pas accepter : le chèque n'est pas encore activé. La personne peut revenir plus tard.",
    "expired": "Ne pas accepter : la date de validité est dépassée.",
    "not_yet_valid": "Ne pas accepter : le dispositif n'a pas encore commencé.",
    "cancelled": "Ne pas accepter. Gardez le chèque si possible et prévenez le financeur.",
    "structure_not_labelled": "Votre lieu ne peut pas encaisser de chèque aujourd'hui : appelez le financeur.",
    "not_accepted_here": "Ce chèque vient d'un dispositif qui n'est pas accepté dans votre lieu.",
    "too_many_attempts": "Patientez quelques secondes, puis scannez de nouveau.",
    "locked": "Les scans sont bloqués un moment. Appelez le financeur si cela se reproduit.",
    "scan_id_reused": "Scannez ce chèque de nouveau.",
    "photo_unreadable": "Reprenez la photo de plus près, ou tapez le code imprimé sous le code-barres.",
}


def _choice(name: str, vocabulary: dict[str, str]) -> str | None:
    value = request.form.get(name) or None
    return value if value in vocabulary else None


def _at_paris(iso: str | None) -> str | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso).astimezone(PARIS)
    except ValueError:
        return None
    return moment.strftime("%d/%m/%Y à %H:%M")


def _now_paris() -> str:
    return utcnow().astimezone(PARIS).strftime("%H:%M:%S")


def _tail(raw: str) -> str | None:
    digits = codes.normalise(raw)
    return digits[-4:] if len(digits) >= 4 and digits[-4:].isdigit() else None


def accepted(result: Result) -> dict[str, Any]:
    held = result.status == "held"
    return {
        "at": _now_paris(),
        "kind": "held" if held else "accepted",
        "title": "En attente de vérification" if held else "Accepté",
        "amount": format_eur(result.face_value_cents),
        "serial": f"chèque {result.position}/{result.vouchers_per_book} — carnet {result.book_serial:06d}",
        "programme": result.programme_name,
        "theme": vocab.THEMES.get(result.theme or "", ""),
        "advice": "Accueillez la personne : le financeur vérifiera ce passage avant de le rembourser."
        if held
        else None,
        "replayed": result.replayed,
    }


def refused(exc: DomainError, structure_id: int, raw: str = "") -> dict[str, Any]:
    out = {
        "at": _now_paris(),
        "tail": _tail(raw),
        "kind": "refused",
        "title": "Code mal saisi" if exc.code == "mistyped_code" else "Refusé",
        "code": exc.code,
        "reason": exc.message,
        "advice": ADVICE.get(exc.code),
    }
    first = _at_paris(exc.details.get("first_redeemed_at"))
    if exc.code == "already_redeemed" and first:
        where = (
            "ici" if exc.details.get("first_structure_id") == structure_id else "dans un autre lieu"
        )
        out["first"] = f"Déjà utilisé le {first} ({where}) — ne pas accepter."
    return out


def _redeem(
    raw: str, theme: str | None, autonomy: str | None, scan_id: str | None
) -> tuple[dict[str, Any], int]:
    structure = current_org_id()
    scanned = Scan(
        code=raw, structure_id=structure, theme=theme, autonomy=autonomy, scan_id=scan_id
    )
    outcome = scanning.scan(db(), current_actor(), scanned)
    if outcome.refusal is not None:
        return refused(outcome.refusal, structure, raw), status_for(outcome.refusal.code)
    return accepted(outcome.get()), 200


def _context(outcome: dict[str, Any] | None = None) -> dict[str, Any]:
    now = utcnow()
    me = current_actor().user_id
    return {
        "outcome": outcome,
        "themes": vocab.THEMES,
        "autonomy": vocab.AUTONOMY,
        "theme": session.get("desk_theme"),
        "scan_id": secrets.token_hex(16),
        "scans": desk_queries.today(db(), current_org_id(), paris_date(now), user_id=me, now=now),
        "refusals": desk_queries.refusals(db(), current_org_id(), paris_date(now)),
        "disputes": disputes.open_at(db(), current_org_id()),
        "reasons": ADVICE,
        "messages": MESSAGES,
    }


def _respond(outcome: dict[str, Any], status: int) -> Any:
    ctx = _context(outcome)
    if request.headers.get("X-Desk") == "fetch":
        return {
            "kind": outcome["kind"],
            "code": outcome.get("code"),
            "csrf": generate_csrf(),
            "scan_id": ctx["scan_id"],
            "outcome": render_template("desk/_outcome.html", **ctx),
            "today": render_template("desk/_today.html", **ctx),
        }, status
    return render_template("desk/index.html", **ctx), status


@bp.get("/")
@role_required(RECEPTION)
def index() -> str:
    return render_template("desk/index.html", **_context())


@bp.post("/scan")
@writes(keep_on_refusal=True)
@role_required(RECEPTION)
@limiter.limit(SCAN_LIMIT)
def scan() -> Any:
    theme, autonomy = _choice("theme", vocab.THEMES), _choice("autonomy", vocab.AUTONOMY)
    session["desk_theme"] = theme
    raw_id = (request.form.get("scan_id") or "").strip()
    scan_id = raw_id if SCAN_ID_RE.match(raw_id) else None
    outcome, status = _redeem((request.form.get("code") or "")[:200], theme, autonomy, scan_id)
    return _respond(outcome, status)


@bp.post("/photo")
@writes(keep_on_refusal=True)
@role_required(RECEPTION)
@limiter.limit(SCAN_LIMIT)
def photo() -> Any:
    theme = _choice("theme", vocab.THEMES) or session.get("desk_theme")
    autonomy = _choice("autonomy", vocab.AUTONOMY)
    upload = request.files.get("photo")
    found = read_codes(upload.read()) if upload is not None else []
    code = next((c for c in found if codes.is_valid(codes.normalise(c))), None)
    if code is None:
        g.rollback = True
        return _respond(refused(DomainError("photo_unreadable"), current_org_id()), 422)
    raw_id = (request.form.get("scan_id") or "").strip()
    outcome, status = _redeem(code, theme, autonomy, raw_id if SCAN_ID_RE.match(raw_id) else None)
    return _respond(outcome, status)


@bp.post("/scans/<int:redemption_id>/annuler")
@writes
@role_required(RECEPTION)
def cancel(redemption_id: int) -> Any:
    try:
        cancelling.cancel(db(), current_actor(), redemption_id, structure_id=current_org_id())
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template("desk/index.html", **_context()), status
    flash("Scan annulé : le chèque peut être scanné de nouveau.", "success")
    return redirect(url_for("desk.index"), code=303)


def _follow_up_context() -> dict[str, Any]:
    return follow_up_form.context(url_for("desk.follow_up"), url_for("desk.index"))


@bp.get("/suivi")
@role_required(RECEPTION)
def follow_up_page() -> str:
    return render_template("follow_up.html", **_follow_up_context())


@bp.post("/suivi")
@writes
@role_required(RECEPTION)
def follow_up() -> Any:
    """The follow-up answer for a carnet one of whose vouchers was taken here."""
    try:
        serial = follow_up_form.submit("structure")
    except DomainError as exc:
        return forms.refuse(exc, "follow_up.html", **_follow_up_context())
    flash(f"Suivi du carnet n° {serial:06d} enregistré.", "success")
    return redirect(url_for("desk.follow_up_page"), code=303)


@bp.get("/jeton")
@role_required(RECEPTION)
def token() -> Any:
    """A fresh CSRF token for a desk page left open all day (tokens expire)."""
    return {"csrf": generate_csrf()}, 200, {"Cache-Control": "no-store"}


def register(app: Any) -> None:
    app.register_blueprint(bp)
