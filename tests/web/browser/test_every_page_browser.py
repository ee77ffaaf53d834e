"""Every page of every role, in a real browser at a phone's width (390 px) and a desktop's
(1280 px), followed link by link from the landing page (``tests/web/crawl.py``): no page
scrolls sideways at 390 px (measured: the document is no wider than the window), axe finds
no serious or critical violation at either width, the browser reports no Content-Security-
Policy violation, and a screenshot of each page at both widths is kept in the artefacts
folder (``$VOUCHER_TEST_ARTEFACTS/browser/pages``)."""

from __future__ import annotations

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


def pages_of(page, live, limit: int = 40) -> list[str]:
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        answer = page.goto(live.url + path)
        seen[shape(path)] = path
        if answer is None or "text/html" not in (answer.headers.get("content-type") or ""):
            continue
        for link in page.evaluate(LINKS):
            if DOWNLOADS.search(link) or any(s in link for s in SKIP) or "#" in link:
                continue
            if shape(link) not in seen:
                queue.append(link)
    return list(seen.values())


@pytest.mark.parametrize("who", ROLES)
def test_every_page_fits_a_phone_and_passes_axe_at_both_widths(page, live, who):
    csp: list[str] = []
    page.on(
        "console",
        lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, live, who)
    paths = pages_of(page, live)
    assert len(paths) >= 3, paths
    folder = ARTEFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    wide, violations = {}, {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844 if width < 800 else 900})
        for path in paths:
            page.goto(live.url + path)
            name = f"{who}{path.replace('/', '-').rstrip('-') or '-accueil'}-{width}".replace(
                "?", "_"
            )
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            if width < 800 and (found := page.evaluate(WIDE)):
                wide[path] = found
            if problems := serious_violations(page):
                violations[f"{path} @{width}"] = problems
    assert wide == {}, wide
    assert violations == {}, violations
    assert csp == [], csp
