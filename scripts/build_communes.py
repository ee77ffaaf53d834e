"""Rebuild ``voucher/domain/data/communes.tsv.gz`` from INSEE's Code officiel géographique
as republished by Etalab (Licence Ouverte) in the npm package @etalab/decoupage-administratif:

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    .venv/bin/python scripts/build_communes.py package/data/communes.json 2026

One line per current commune and per municipal arrondissement (Paris, Lyon, Marseille):
code, name, département, postcodes (space-separated), parent commune (arrondissements only).
The first line is a comment with the COG year. The package holds no centroids, so none are
shipped.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "voucher" / "domain" / "data" / "communes.tsv.gz"
KEPT = {"commune-actuelle", "arrondissement-municipal"}


def main(source: str, year: str) -> None:
    rows = json.loads(Path(source).read_text(encoding="utf-8"))
    lines = [f"# COG {year} (INSEE, via @etalab/decoupage-administratif, Licence Ouverte)"]
    for c in sorted(rows, key=lambda c: c["code"]):
        if c["type"] not in KEPT:
            continue
        fields = (
            c["code"],
            c["nom"],
            c["departement"],
            " ".join(sorted(set(c.get("codesPostaux", [])))),
            c.get("commune", ""),
        )
        if any("\t" in f or "\n" in f for f in fields):
            raise SystemExit(f"unexpected character in {fields}")
        lines.append("\t".join(fields))
    # mtime=0: the same source gives the same bytes
    OUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    print(f"{len(lines) - 1} communes -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
