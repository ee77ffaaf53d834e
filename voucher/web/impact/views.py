"""Evaluator workspace: protected indicators with filters, the rural / urban comparison,
charts served as images, and downloads in every format.

Rules kept: evaluators and funder staff only (``role_required("evaluator", "funder")``);
a funder sees only the programmes it funds, another programme's id answers 404; nobody
sees a beneficiary-level row here, except an evaluator holding a research grant, through
the extract form (POST, audited). Downloads are POST forms (CSRF) so that the audit event
of each export is committed; reading pages and charts (GET) never writes.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from voucher.db.models import ImpactRelease
from voucher.documents.impact.writers import EXTENSIONS, MEDIA_TYPES, write
from voucher.domain import impact as dom
from voucher.domain.errors import DomainError
from voucher.domain.suppression import TOTAL
from voucher.services.impact import counts, grants, protect, release, research
from voucher.services.impact import export as impact_export
from voucher.services.impact import report as impact_report
from voucher.services.jobs import kinds
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.tasks import start

bp = Blueprint("impact", __name__)
ROLES = ("evaluator", "funder")
FORMATS = {
    "csv": "CSV données ouvertes (virgule, zip)",
    "csv-fr": "CSV pour Excel (point-virgule, zip)",
    "xlsx": "Classeur Excel (XLSX)",
    "parquet": "Parquet",
    "json": "JSON",
    "paquet": "Paquet évaluateur (CSV, datapackage.json, Stata, SPSS ; zip)",
    "pdf": "Rapport PDF",
}
RESEARCH_FORMATS = ("csv", "csv-fr", "parquet")


def _scope() -> counts.Scope:
    """The caller's programmes, narrowed to the one asked; another's (or none) is a 404."""
    scope = counts.scope_for(db(), current_actor())
    wanted = request.values.get("programme", type=int)
    if wanted is not None and wanted not in {i for i, _ in counts.programmes_in(db(), scope)}:
        abort(404)
    return scope.narrowed(wanted)


def _release() -> ImpactRelease:
    rel = release.latest(db())
    if rel is None:
        raise DomainError("release_none")
    return rel


def _report(scope: counts.Scope) -> protect.Report:
    """The view of the latest release the caller may see (never a live computation)."""
    rel = _release()
    wanted = request.values.get("programme", type=int)
    report = release.one_programme(rel, wanted) if wanted else release.report_for(rel, scope)
    if report is None:
        abort(404)
    return report


def _format(value: Any, measure: dom.Measure) -> str:
    if value is None:
        return ""
    if measure.kind == "share":
        return f"{100 * value:.1f} %".replace(".", ",")
    if measure.kind == "cents":
        from voucher.domain.money import format_eur

        return format_eur(int(value))
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return f"{value:,}".replace(",", "\u202f")


@bp.get("/impact")
@role_required(*ROLES)
def index() -> str:
    scope = _scope()
    if release.latest(db()) is None:  # where evaluators land: a page, not an error
        return render_template("impact/none.html")
    rel = _release()
    report = _report(scope)
    name = request.args.get("tableau") or "par_tranche_age"
    if name not in dom.DIMENSION_BY_TABLE:
        abort(404)
    everything = counts.scope_for(db(), current_actor())
    grant = grants.active_grant(
        db(), current_actor().user_id, request.args.get("programme", type=int)
    )
    return render_template(
        "impact/index.html",
        report=report,
        release=rel,
        table=report.table(name),
        tables=dom.DIMENSIONS,
        programmes=release.programmes_of(rel, everything),
        programme_id=request.args.get("programme", type=int),
        key=protect.key_figures(report),
        measures={m.code: m for m in dom.BOOK_MEASURES},
        fmt=_format,
        formats=FORMATS,
        charts=impact_report.CHARTS,
        total=TOTAL,
        grant=grant if current_actor().role == "evaluator" else None,
        research_formats=RESEARCH_FORMATS,
    )


@bp.get("/impact/graphique/<name>.<fmt>")
@role_required(*ROLES)
def chart(name: str, fmt: str) -> Response:
    if name not in impact_report.CHARTS or fmt not in ("png", "svg"):
        abort(404)
    body = impact_report.chart(_report(_scope()), name, fmt)
    return Response(
        body,
        mimetype="image/svg+xml" if fmt == "svg" else "image/png",
        headers={"Cache-Control": "private, no-store"},
    )


def _attachment(body: bytes, fmt: str, stem: str) -> Response:
    name = f"{stem}-{date.today().isoformat()}.{EXTENSIONS[fmt]}"
    return Response(
        body,
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/impact/export/<fmt>")
@writes
@role_required(*ROLES)
def export(fmt: str) -> Any:
    if fmt not in FORMATS:
        abort(404)
    if not start.inline():
        _scope()  # another's programme: 404 now, not a failed job
        params = {"format": fmt, "programme": request.form.get("programme", type=int)}
        return start.start(kinds.IMPACT_EXPORT, params, f"Export {FORMATS[fmt]}")
    out = io.BytesIO()
    rel = _release()
    scope = _scope()
    report = _report(scope)
    impact_export.export(db(), report, fmt, out, release=rel.number, scope=scope)
    impact_export.audited(db(), current_actor(), report, fmt, rel.number)
    return _attachment(out.getvalue(), fmt, f"impact-publication-{rel.number}")


@bp.post("/impact/extrait-recherche")
@writes(keep_on_refusal=True)
@role_required("evaluator")
def research_extract() -> Response:
    fmt = request.form.get("format", "csv")
    if fmt not in RESEARCH_FORMATS:
        abort(404)
    programme_id = request.form.get("programme", type=int)
    scope = _scope()
    try:
        result = research.extract(db(), current_actor(), scope, programme_id)
    except DomainError:
        research.refused(db(), current_actor(), programme_id)
        raise
    out = io.BytesIO()
    write(result.bundle, fmt, out)
    research.written(db(), current_actor(), result, fmt)
    ext = "csv.zip" if fmt.startswith("csv") else fmt
    return Response(
        out.getvalue(),
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="extrait-recherche-{date.today().isoformat()}.{ext}"',
            "Cache-Control": "no-store",
        },
    )


def register(app: Any) -> None:
    from voucher.web import workspaces

    app.register_blueprint(bp)
    workspaces.add("impact.index", "Impact", ROLES)
