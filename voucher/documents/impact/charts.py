"""Impact charts (matplotlib, drawn without a display: ``Figure`` objects, Agg canvas).

Rules kept:

- Charts draw only published figures: a masked value is drawn as a gap and the chart says
  so, never as zero.
- PNG and SVG; SVG keeps text as text, has no date and a fixed hash salt, so the same
  figures give the same bytes; French labels throughout; colours distinguishable by people
  with colour-blindness (blue / orange) and never the only cue (labels name the zones).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voucher.documents.svg_attributes import presentational

RURAL, URBAN, OTHER, NEUTRAL = "#0b5d6b", "#c2620c", "#7a7a7a", "#33415c"
COLOURS = {"Rural": RURAL, "Urbain": URBAN, "Non renseigné": OTHER, "Ensemble": NEUTRAL}
MASKED_NOTE = "Valeurs absentes : masquées (secret statistique)."


@dataclass(frozen=True)
class Spread:
    """Quartiles of one group (None when masked)."""

    label: str
    q1: float | None
    median: float | None
    q3: float | None


@dataclass(frozen=True)
class Share:
    label: str
    estimate: float | None
    low: float | None
    high: float | None


def _figure(width: float = 7.2, height: float = 3.4) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot()


def _save(fig: Any, fmt: str) -> bytes:
    from matplotlib import rc_context

    buf = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "voucher-impact"}):
        fig.tight_layout()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        else:
            fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    if fmt == "svg":
        return presentational(buf.getvalue().decode()).encode()
    return buf.getvalue()


def _style(ax: Any, ylabel: str) -> None:
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)


def monthly_by_zone(
    months: Sequence[str], series: Mapping[str, Sequence[float | None]], fmt: str = "png"
) -> bytes:
    """Vouchers redeemed per Paris month, one bar group per zone kind."""
    fig, ax = _figure()
    width = 0.8 / max(1, len(series))
    masked = False
    for i, (label, values) in enumerate(series.items()):
        xs = [x + i * width for x in range(len(months))]
        ax.bar(xs, [v or 0 for v in values], width, label=label, color=COLOURS.get(label, NEUTRAL))
        masked |= any(v is None for v in values)
    ax.set_xticks(
        [x + width * (len(series) - 1) / 2 for x in range(len(months))],
        [f"{m[5:]}/{m[2:4]}" for m in months],
        rotation=45 if len(months) > 8 else 0,
    )
    _style(ax, "chèques encaissés")
    ax.set_title("Chèques encaissés par mois et type de zone")
    ax.legend(frameon=False)
    if masked:
        ax.annotate(MASKED_NOTE, (0, -0.3), xycoords="axes fraction", fontsize=8)
    return _save(fig, fmt)


def funnel(stages: Sequence[tuple[str, int | None]], fmt: str = "png") -> bytes:
    """Books from issued to completed (horizontal bars, first stage on top)."""
    fig, ax = _figure(height=3.0)
    labels = [s for s, _ in stages][::-1]
    values = [v for _, v in stages][::-1]
    bars = ax.barh(labels, [v or 0 for v in values], color=NEUTRAL)
    top = max((v or 0 for v in values), default=0) or 1
    for bar, v in zip(bars, values, strict=True):
        text = "masqué" if v is None else f"{v:,}".replace(",", "\u202f")
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            text,
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, top * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel("carnets")
    ax.set_title("Des carnets émis aux carnets terminés")
    return _save(fig, fmt)


def delays(groups: Sequence[Spread], fmt: str = "png") -> bytes:
    """Days from hand-out to first session: quartile box per zone (no whiskers, no
    individual points: only published figures)."""
    fig, ax = _figure(height=2.8)
    for y, g in enumerate(groups):
        if g.median is None or g.q1 is None or g.q3 is None:
            ax.text(0, y, "  masqué (trop peu de carnets)", va="center", fontsize=9)
            continue
        colour = COLOURS.get(g.label, NEUTRAL)
        ax.barh(y, g.q3 - g.q1, left=g.q1, height=0.5, color=colour, alpha=0.35, edgecolor=colour)
        ax.plot([g.median, g.median], [y - 0.25, y + 0.25], color=colour, linewidth=3)
        ax.text(g.q3, y, f"  médiane {g.median:g} j".replace(".", ","), va="center", fontsize=9)
    ax.set_yticks(range(len(groups)), [g.label for g in groups])
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_xlabel("jours entre la remise du carnet et la première séance")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Délai jusqu'à la première séance (quartiles)")
    return _save(fig, fmt)


def autonomy(shares: Sequence[Share], fmt: str = "png") -> bytes:
    """Share of people whose autonomy rose, with 95 % intervals."""
    fig, ax = _figure(height=3.0)
    for x, s in enumerate(shares):
        if s.estimate is None:
            ax.text(x, 0.02, "masqué", ha="center", fontsize=9)
            continue
        colour = COLOURS.get(s.label, NEUTRAL)
        ax.bar(x, s.estimate, 0.6, color=colour)
        if s.low is not None and s.high is not None:
            ax.errorbar(
                x,
                s.estimate,
                yerr=[[s.estimate - s.low], [s.high - s.estimate]],
                color="black",
                capsize=6,
                linewidth=1.2,
            )
        ax.text(x + 0.32, s.estimate, f"{100 * s.estimate:.0f} %", va="center", fontsize=9)
    ax.set_xticks(range(len(shares)), [s.label for s in shares])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f} %")
    _style(ax, "part en progrès")
    ax.set_title("Autonomie en progrès entre la première et la dernière séance")
    return _save(fig, fmt)
