"""The attacker on the demo, the way a reader gets it: the demo is built, its impact
figures are published as releases (the one the demo publishes, October, the last closed
month; October again for its programme alone, as a funder's page asks; then the next
month, November, closed on a later clock), and the integer-programming attacker is run on
every release with everything published before it. It must narrow no masked count of
people below the protection interval.

What the attacker reads is the frozen view of each release. So that this covers what
readers really get, the other tests here read back what the page and every file format
show and check that they publish exactly the figures of that view (no more): the
``/impact`` page table by table, and the CSV (both dialects), XLSX, Parquet, JSON and
evaluator-package files, their key-figure sheets and the rural / urban comparison counts
included. The headline figures of the demo must stay published.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime
from itertools import zip_longest
from typing import Any

import pyarrow.parquet as pq
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.domain import disclosure
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services import demo
from voucher.services.impact import export, protect, release, secrecy
from voucher.web.app import create_app
from voucher.web.impact.views import _format

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LATER = datetime(2026, 12, 2, 12, tzinfo=UTC)  # November is over
HEADLINE = ("beneficiaires", "carnets_remis", "carnets_commences", "cheques_encaisses")
FILE_FORMATS = ("csv", "csv-fr", "xlsx", "parquet", "json", "paquet")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(databases):
    """The demo with its releases: October as ``voucher demo`` publishes it, October for
    its programme alone, then November (two successive monthly releases)."""
    engine = databases.engine()
    with unit_of_work(engine) as s:
        summary = demo.build(s, today=TODAY)
    with unit_of_work(engine) as s:
        october = release.publish(s, f.ACTOR, now=NOW)
        assert october.period == "2026-10"
        alone = release.publish(
            s, f.ACTOR, period="2026-10", programmes=[summary.programme_id], now=NOW
        )
        november = release.publish(s, f.ACTOR, period="2026-11", now=LATER)
        numbers = [october.number, alone.number, november.number]
    return engine, summary, numbers


def test_the_attacker_narrows_no_masked_count_of_any_demo_release(published) -> None:
    engine, _summary, numbers = published
    leaks, attacked = [], 0
    with unit_of_work(engine) as s:
        rels = [release.numbered(s, n) for n in numbers]
        for i, rel in enumerate(rels):
            before = [
                secrecy.prior_of(release.thaw(v), same=p.period == rel.period)
                for p in rels[:i]
                for v in p.views
            ]
            raws = release.views(s, rel.programmes or None, release.period_end(rel.period))
            shown = [release.thaw(v) for v in rel.views]
            found = secrecy.intervals(raws, shown, prior=before)
            attacked += len(found)
            leaks += [
                (rel.number, x.sensitive.describe(), x.low, x.high)
                for x in disclosure.narrowed(found, secrecy.DEFAULT_PROTECTION)
            ]
        s.rollback()
    assert attacked > 0, "the demo has small groups: the attacker must have had work"
    assert not leaks, leaks


def test_the_demo_headline_figures_are_published(published) -> None:
    """In the release the demo publishes and in the same month for its programme alone,
    overall and by zone; in the next month's release, overall: its totals grew by a few
    people (ten more books completed), which singles out nobody, while the zones, which
    grew by as few, are protected against October's (docs/impact.md, "Releases")."""
    engine, _summary, numbers = published
    with unit_of_work(engine) as s:
        for n in numbers:
            view = release.thaw(release.numbered(s, n).views[0])
            zones = (TOTAL, "rural", "urbain") if n != numbers[-1] else (TOTAL,)
            for zone in zones:
                shown = protect.key_figures(view, zone)
                assert all(shown[m] is not None for m in HEADLINE), (n, zone, shown)
        # the operator is told which zones lost their key figures, and only those
        lost = [release.masked_again(s, release.numbered(s, n)) for n in numbers]
        assert lost[:2] == [[], []] and {"Rural", "Urbain"} <= set(lost[2]), lost
        assert "Ensemble" not in lost[2]


# --- what readers get is the view the attacker read -----------------------------------


def _view_cells(view: protect.Report) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (t.name, str(r.code), r.zone): {m.code: r.values.get(m.code) for m in t.measures}
        for t in view.tables
        for r in t.rows
    }


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.replace(",", ".")
        return float(text) if "." in text else int(text)
    return value


def _file_cells(view: protect.Report, sheets: dict[str, list[dict[str, Any]]]):
    """Per table, row and zone: the values a file shows, read back like the view's."""
    out = {}
    for t in view.tables:
        for row in sheets[t.name]:
            key = (t.name, str(row[t.dimension.key_column]), row["type_zone"])
            out[key] = {m.code: _number(row.get(m.code)) for m in t.measures}
    return out


def _zip_sheets(blob: bytes, french: bool) -> dict[str, list[dict[str, Any]]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return {
            name[:-4]: list(
                csv.DictReader(
                    io.StringIO(z.read(name).decode("utf-8-sig")), delimiter=";" if french else ","
                )
            )
            for name in z.namelist()
            if name.endswith(".csv")
        }


def _sheets(fmt: str, blob: bytes) -> dict[str, list[dict[str, Any]]]:
    if fmt in ("csv", "paquet"):
        return _zip_sheets(blob, french=False)
    if fmt == "csv-fr":
        return _zip_sheets(blob, french=True)
    if fmt == "json":
        return {t["nom"]: t["lignes"] for t in json.loads(blob)["tableaux"]}
    if fmt == "parquet":
        out: dict[str, list[dict[str, Any]]] = {}
        for row in pq.read_table(io.BytesIO(blob)).to_pylist():
            out.setdefault(row["tableau"], []).append(row)
        return out
    book = load_workbook(io.BytesIO(blob), read_only=True)
    sheets = {}
    for ws in book.worksheets[1:]:  # the first one is the README
        rows = list(ws.iter_rows(values_only=True))
        # a row ending in empty (masked) cells is stored shorter
        sheets[ws.title] = [dict(zip_longest(rows[0], r)) for r in rows[1:]]
    return sheets


def _same(a: dict, b: dict) -> list:
    """Differences between two {key: {measure: value}} (floats to 1e-9)."""
    diff = [k for k in a.keys() ^ b.keys()]
    for k in a.keys() & b.keys():
        for m in a[k].keys() | b[k].keys():
            x, y = a[k].get(m), b[k].get(m)
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-9):
                diff.append((k, m, x, y))
    return diff


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_every_file_format_publishes_exactly_the_release_view(published, fmt) -> None:
    engine, _summary, numbers = published
    with unit_of_work(engine) as s:
        rel = release.numbered(s, numbers[0])  # what the demo publishes: October
        view = release.thaw(rel.views[0])
        out = io.BytesIO()
        export.export(s, view, fmt, out, release=rel.number)
        s.rollback()
    sheets = _sheets(fmt, out.getvalue())
    assert not _same(_file_cells(view, sheets), _view_cells(view))
    books = next(t for t in view.tables if t.dimension.family == dom.BOOKS)
    for row in sheets[dom.KEY_FIGURES_TABLE]:  # the key figures: the books' total rows
        shown = {m.code: _number(row.get(m.code)) for m in books.measures}
        assert not _same({0: shown}, {0: _view_cells(view)[(books.name, TOTAL, row["type_zone"])]})
    published_counts = {
        (zone, v)
        for (name, code, zone), cell in _view_cells(view).items()
        if code == TOTAL
        for m, v in cell.items()
        if m in secrecy.people_counts(dom.BOOKS) and v is not None
    }
    for row in sheets["comparaison"]:  # each count a comparison stands on is published
        for zone in ("rural", "urbain"):
            n = _number(row[f"{zone}_effectif"])
            assert n is None or n == 0 or (zone, n) in published_counts, (row, zone)


#: what every page of the report repeats (its footer), as :func:`_flat` leaves it
PAGE_FOOTER = r"Donnéesagrégées—secretstatistiqueappliqué—aucunedonnéepersonnelle\.page\d+"


def _flat(text: str) -> str:
    """Text without its spaces and line breaks (the PDF wraps lines where it likes)."""
    return re.sub(r"\s+", "", text.replace("\u202f", " ").replace("\xa0", " "))


def test_the_pdf_report_says_exactly_what_the_release_view_says(published) -> None:
    """The funder's PDF of each release: its key figures and its evaluation paragraphs
    are those drawn from the frozen view alone (no live figure), and a masked figure is
    written "masqué", never a number."""
    from voucher.services.evaluation import overview
    from voucher.services.evaluation import published as evaluation
    from voucher.services.impact import report as impact_report

    engine, _summary, numbers = published
    for n in numbers:
        with unit_of_work(engine) as s:
            rel = release.numbered(s, n)
            view = release.thaw(rel.views[0])
            out = io.BytesIO()
            export.export(s, view, "pdf", out, release=rel.number)
            s.rollback()
        pdf = pdfium.PdfDocument(out.getvalue())
        text = _flat("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
        pdf.close()
        text = re.sub(PAGE_FOOTER, "", text)  # a paragraph may run over a page break
        for label, value in impact_report.key_lines(view):
            assert _flat(f"{label}") in text and _flat(value) in text, (n, label, value)
        lines = overview.report_lines(view, evaluation.overview_of(view))
        assert lines, "the evaluation has paragraphs to check"
        for line in lines:
            assert _flat(line) in text, (n, line)
        masked = [label for label, value in impact_report.key_lines(view) if "masqué" in value]
        assert text.count(_flat("masqué")) >= len(masked)


def _page_rows(body: str) -> list[list[str]]:
    detail = body[body.index('id="detail"') :]
    tbody = detail[detail.index("<tbody>") : detail.index("</tbody>")]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", tbody, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_the_impact_page_shows_exactly_the_release_view(published, tmp_path) -> None:
    engine, _summary, numbers = published
    app = create_app(
        {
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "test",
            "PSEUDONYM_KEY": b"test-key",
            "TESTING": True,
            "SESSION_COOKIE_SECURE": False,
            "INLINE_LONG_WORK": True,
        }
    )
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/connexion",
        data={
            "email": "evaluation@demo.pass-numerique.test",
            "password": demo.DEMO_PASSWORD,
            "csrf_token": token,
        },
    )
    assert answer.status_code == 302
    with unit_of_work(engine) as s:
        latest = release.latest(s)
        assert latest is not None and latest.number == numbers[-1]
        view = release.thaw(latest.views[0])
    try:
        for t in view.tables:
            body = client.get(f"/impact?tableau={t.name}").get_data(as_text=True)
            assert f"Publication n° {latest.number}" in body
            expected = [
                [
                    r.label,
                    r.zone + (" (masqué)" if r.masked else ""),
                    *[_format(r.values.get(m.code), m) for m in t.measures],
                ]
                for r in t.rows
            ]
            assert _page_rows(body) == expected, t.name
    finally:
        app.extensions["voucher.engine"].dispose()
