"""The rural / urban comparison of the redemption rate (vouchers cashed / vouchers handed
out), with intervals over books (:mod:`voucher.domain.clustered`), not over vouchers.

Published only when both zones' totals are published and each zone has at least the
threshold of handed-out books, like the other comparisons.
"""

from __future__ import annotations

from voucher.domain import clustered
from voucher.domain.suppression import TOTAL, Suppression
from voucher.services.impact.counts import RawFigures, RawTable

LABEL = "Taux d'utilisation des chèques remis"


def redemption(
    raw: RawFigures,
    books: RawTable,
    masks: dict[str, dict[str, Suppression]],
    threshold: int,
    seed: int,
) -> tuple[str, str, clustered.stats.Comparison | None]:
    """(code, label, comparison or None when it may not be published)."""
    usage = {z: raw.usage.get(z, []) for z in ("rural", "urban")}
    table = books.dimension.table
    if any(
        clustered.books(u) < threshold
        or sum(s * n for _, s, n in u) == 0
        or masks["cell"][table].is_masked(TOTAL, zone)
        for zone, u in usage.items()
    ):
        return "taux_utilisation", LABEL, None
    return (
        "taux_utilisation",
        LABEL,
        clustered.compare_rates(LABEL, usage["rural"], usage["urban"], seed=seed),
    )
