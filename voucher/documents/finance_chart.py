"""Months of reimbursements as an inline SVG stacked bar chart (matplotlib, server side).

Same conventions as the other charts: no XML prolog, text kept as text, a fixed hash salt
(same figures, same bytes), ``role="img"`` with an ``aria-label``; the page shows the
figures as a table too. Amounts arrive in cents and are drawn in euros.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

from voucher.documents.svg_attributes import presentational

COLOURS = {
    "paid": "#146c2e",
    "in_payment": "#0b5d6b",
    "open": "#5b8fa0",
    "rejected": "#a1151f",
    "blocked": "#8a4b00",
    "to_state": "#c8ccd0",
    "held": "#e8c66a",
}


def months_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    label: str = "Remboursements par mois",
) -> str:
    """``series``: (key, French name, cents per month)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "voucher-finance",
            "font.family": "DejaVu Sans",
            "font.size": 9,
        }
    ):
        fig = Figure(figsize=(7.2, 2.8), dpi=96)
        ax = fig.add_subplot()
        xs = list(range(len(labels)))
        bottom = [0.0] * len(labels)
        for key, name, cents in series:
            euros = [c / 100 for c in cents]
            ax.bar(
                xs, euros, bottom=bottom, color=COLOURS.get(key, "#4a4a55"), width=0.75, label=name
            )
            bottom = [b + e for b, e in zip(bottom, euros, strict=True)]
        ax.set_xticks(xs, list(labels))
        ax.set_ylabel("euros")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=7, frameon=False, ncols=4, loc="upper left", bbox_to_anchor=(0, -0.12))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = presentational(svg[svg.index("<svg") :])
    return re.sub(r"<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', svg, count=1)
