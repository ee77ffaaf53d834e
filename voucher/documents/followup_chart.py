"""A programme's follow-up over time as an inline SVG line chart (matplotlib, drawn on
the server, no script, no CDN). Cumulative books issued, activated, handed out and
vouchers redeemed per Paris month. Same rules as :mod:`voucher.documents.volume_chart`:
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
        fig = Figure(figsize=(7.2, 3.0), dpi=96)
        ax = fig.add_subplot()
        xs = list(range(len(months)))
        for key, label, colour, style in SERIES:
            ax.plot(
                xs,
                list(series.get(key, [])),
                label=label,
                color=colour,
                linestyle=style,
                linewidth=2,
                marker="o",
                markersize=3,
            )
        step = max(1, -(-len(months) // 7))  # at most 7 labels: they stay readable
        ax.set_xticks(xs[::step], [short_month(m) for m in months][::step])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        fig.subplots_adjust(
            left=0.07, right=0.98, top=0.96, bottom=0.12
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
