"""A structure's daily scans as an inline SVG bar chart (matplotlib, drawn on the server).

The SVG is meant to sit inside an HTML page: no XML prolog, text kept as text, a fixed
hash salt so the same figures give the same bytes, ``role="img"`` and an ``aria-label``
summarising it; the page also shows the figures as a table for screen readers.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from datetime import date

from voucher.documents.svg_attributes import presentational

ACCENT = "#0b5d6b"
HIGHLIGHT = "#a1151f"


def daily_volume_svg(
    days: Sequence[tuple[date, int]],
    *,
    highlight: date | None = None,
    label: str = "Scans par jour",
) -> str:
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "voucher-volume",
            "font.family": "DejaVu Sans",
            "font.size": 9,
        }
    ):
        fig = Figure(figsize=(7.2, 2.4), dpi=96)
        ax = fig.add_subplot()
        xs = list(range(len(days)))
        colours = [HIGHLIGHT if d == highlight else ACCENT for d, _ in days]
        ax.bar(xs, [n for _, n in days], color=colours, width=0.8)
        step = max(1, len(days) // 7)
        ax.set_xticks(xs[::step], [d.strftime("%d/%m") for d, _ in days][::step])
        ax.set_ylabel("scans")
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = re.sub(
        r'\s(width|height)="[^"]*pt"', "", presentational(svg[svg.index("<svg") :]), count=2
    )
    total = sum(n for _, n in days)
    summary = html.escape(
        f"{label} : {total} scans sur {len(days)} jours, au plus {max((n for _, n in days), default=0)} par jour",
        quote=True,
    )
    return svg.replace("<svg", f'<svg role="img" aria-label="{summary}" focusable="false"', 1)
