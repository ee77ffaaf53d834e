"""Every page of every role, in a real browser at a phone's width (390 px) and a desktop's
(1280 px), followed link by link from the landing page (``tests/web/crawl.py``): no page
scrolls sideways at 390 px (measured: the document is no wider than the window), axe finds
no serious or critical violation at either width, the browser reports no Content-Security-
Policy violation, and a screenshot of each page at both widths is kept as
``<role>/<page>-<width>.png`` in ``$VOUCHER_SCREENSHOTS`` (default
``build/test-artefacts/screenshots``; CI keeps that folder). Each page is loaded once, at
the phone's width, then widened to the desktop's: a third of the page loads of a crawl
followed by a load per width."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web.browser.conftest import ARTEFACTS, needs_chromium, serious_violations, sign_in
from tests.web.crawl import DOWNLOADS, SKIP, shape

pytestmark = [pytest.mark.browser, needs_chromium]

ROLES = ["admin", "funder_a", "prescriber_a", "reception_a", "finance", "evaluator"]
WIDTHS = (390, 1280)
LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
    .map(a => a.getAttribute("href")).filter(h => h && h.startsWith("/"))"""
WIDE = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) { return null; }
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (r.right > root.clientWidth + 1 && r.width > 0) {
            out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                     + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
                     + " " + Math.round(r.right));
        }
    }
    return [root.scrollWidth, out.slice(0, 6)];
}"""


#: the role each test login plays: screenshots are kept per role
ROLE_OF = {
    "admin": "admin",
    "funder_a": "funder",
    "prescriber_a": "prescriber",
    "reception_a": "reception",
    "finance": "finance",
    "evaluator": "evaluator",
}
#: ``<role>/<page>-<width>.png`` under ``$VOUCHER_SCREENSHOTS``
SCREENSHOTS = Path(os.environ.get("VOUCHER_SCREENSHOTS", ARTEFACTS.parent / "screenshots"))
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def page_name(path: str) -> str:
    """``/financeur/programmes/3?x=1`` -> ``financeur-programmes-3_x=1``; ``/`` -> ``accueil``."""
    name = path.strip("/").replace("/", "-").replace("?", "_").replace("&", "_")
    return name or "accueil"


def viewport(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 900})
    page.evaluate(SETTLE)  # media queries and layout follow the new width


@dataclass
class Findings:
    wide: dict[str, object] = field(default_factory=dict)
    violations: dict[str, list[str]] = field(default_factory=dict)
    shots: list[Path] = field(default_factory=list)


def check_both_widths(page, path: str, folder: Path, found: Findings) -> None:
    """The page as loaded (at the phone's width), then widened to a desktop's: each
    measured, checked by axe and photographed."""
    for width in WIDTHS:
        viewport(page, width)
        shot = folder / f"{page_name(path)}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        found.shots.append(shot)
        if width < 800 and (wide := page.evaluate(WIDE)):
            found.wide[path] = wide
        if problems := serious_violations(page):
            found.violations[f"{path} @{width}"] = problems


def walk(page, live, folder: Path, limit: int = 40) -> tuple[list[str], Findings]:
    """Every page reachable from the landing page by links, each loaded once at 390 px,
    its links followed, then checked at both widths."""
    found = Findings()
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        viewport(page, WIDTHS[0])
        answer = page.goto(live.url + path)
        seen[shape(path)] = path
        if answer is None or "text/html" not in (answer.headers.get("content-type") or ""):
            continue
        for link in page.evaluate(LINKS):
            if DOWNLOADS.search(link) or any(s in link for s in SKIP) or "#" in link:
                continue
            if shape(link) not in seen:
                queue.append(link)
        check_both_widths(page, path, folder, found)
    return list(seen.values()), found


@pytest.mark.parametrize("who", ROLES)
def test_every_page_fits_a_phone_and_passes_axe_at_both_widths(page, live, who):
    csp: list[str] = []
    page.on(
        "console",
        lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, live, who)
    folder = SCREENSHOTS / ROLE_OF[who]
    folder.mkdir(parents=True, exist_ok=True)
    paths, found = walk(page, live, folder)
    assert len(paths) >= 3, paths
    assert found.wide == {}, found.wide
    assert found.violations == {}, found.violations
    assert csp == [], csp
    # a real picture of each page at each width: a PNG, as wide as the window
    assert found.shots and len(found.shots) % len(WIDTHS) == 0
    for shot in found.shots:
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", shot
        width = int.from_bytes(data[16:20], "big")
        assert str(width) == shot.stem.rsplit("-", 1)[1], (shot, width)
