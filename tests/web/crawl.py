"""Every page a person can reach: start at ``/`` and follow the links of each page (same
site, GET, not files to download), one page per path shape (``/lots/3`` and ``/lots/4`` are
one shape), so every kind of page of every workspace is visited without a hand-kept list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

HREF = re.compile(r'href="(/[^"#]*)"')
DOWNLOADS = re.compile(
    r"\.(csv|pdf|zip|xml|json|svg|png|txt|xlsx|ods|parquet|fec)(\?|$)|/static/|/api/|/telecharger"
)
#: pages that end the session or are files whatever their name
SKIP = ("/deconnexion", "/export", "/extrait", "/fichier", "/graphique")


def shape(path: str) -> str:
    bare = path.split("?")[0]
    return re.sub(r"/\d[\d-]*", "/N", bare)


def crawl(
    get: Callable[[str], tuple[int, str, str]], start: str = "/", limit: int = 60
) -> Iterator[tuple[str, int, str]]:
    """``get(path) -> (status, content type, body)``; yields (path, status, body) of pages."""
    seen: set[str] = set()
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        status, kind, body = get(path)
        yield path, status, body
        if not kind.startswith("text/html"):
            continue
        for link in HREF.findall(body):
            link = link.replace("&amp;", "&")
            if DOWNLOADS.search(link) or any(s in link for s in SKIP):
                continue
            if shape(link) not in seen:
                queue.append(link)
