"""A programme's follow-up over time as an inline SVG line chart (matplotlib, drawn on
the server, no script, no CDN). Cumulative books issued, activated, handed out and
vouchers redeemed per Paris month, books and vouchers on two panels (one unit per axis). Same rules as :mod:`voucher.documents.volume_chart`:
no XML prolog, text kept as text, fixed hash salt, ``role="img"`` with a summary; the
page shows the same figures as a table for screen readers."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence

from voucher.documents.svg_attributes import presentational

SERIES = (
    ("books_issued", "Carnets émis", "#0b5d6b", "-"),
    ("books_activated", "Carnets activés", "#5a3e8e", "--"),
    ("books_handed_out", "Carnets remis", "#8a4b00", "-."),
    ("vouchers_redeemed", "Chèques encaissés", "#146c2e", ":"),
)
VOUCHER_SERIES = frozenset({"vouchers_redeemed"})
WIDTHS = (5.0, 3.5, 2.0, 2.0)
MARKERS = ("o", "s", "^", "D")
MONTHS_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS_FR[int(month) - 1]} {year}"


def short_month(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS_FR[int(month) - 1]} {year[2:]}"


def followup_svg(months: Sequence[str], series: Mapping[str, Sequence[int]], *, title: str) -> str:
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "voucher-followup",
            "font.family": "DejaVu Sans",
            "font.size": 9,
        }
    ):
        # two panels, one unit each (carnets above, chèques below): never one axis for both
        fig = Figure(figsize=(7.2, 4.4), dpi=96)
        books_ax, vouchers_ax = fig.subplots(2, 1, sharex=True)
        xs = list(range(len(months)))
        for i, (key, label, colour, style) in enumerate(SERIES):
            ax = vouchers_ax if key in VOUCHER_SERIES else books_ax
            ax.plot(
                xs,
                list(series.get(key, [])),
                label=label,
                color=colour,
                linestyle=style,
                # lines drawn first are wider and marked differently, so one that runs
                # along another (issued = activated) still shows around it
                linewidth=WIDTHS[i],
                marker=MARKERS[i],
                markersize=4,
            )
        step = max(1, -(-len(months) // 7))  # at most 7 labels: they stay readable
        vouchers_ax.set_xticks(xs[::step], [short_month(m) for m in months][::step])
        books_ax.set_ylabel("carnets (cumul)")
        vouchers_ax.set_ylabel("chèques (cumul)")
        for ax in (books_ax, vouchers_ax):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(frameon=False, fontsize=8, loc="upper left")
        fig.subplots_adjust(
            left=0.1, right=0.98, top=0.97, bottom=0.08, hspace=0.15
        )  # fixed: tight_layout costs 0.15 s
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = re.sub(
        r'\s(width|height)="[^"]*pt"', "", presentational(svg[svg.index("<svg") :]), count=2
    )
    last = {key: (series.get(key) or [0])[-1] for key, *_ in SERIES}
    summary = html.escape(
        f"{title} : fin {month_label(months[-1]) if months else '—'}, {last['books_issued']} carnets émis, "
        f"{last['books_activated']} activés, {last['books_handed_out']} remis, "
        f"{last['vouchers_redeemed']} chèques encaissés",
        quote=True,
    )
    return svg.replace("<svg", f'<svg role="img" aria-label="{summary}" focusable="false"', 1)
