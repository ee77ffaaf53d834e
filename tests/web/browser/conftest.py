"""Browser tests: Debian's Chromium driven by playwright against a real server started
here (werkzeug in a thread, on a free port, SQLite file database migrated like
production). Skipped only when /usr/bin/chromium is absent (CI installs it).

Screenshots of each workspace are kept in ``$VOUCHER_TEST_ARTEFACTS/browser`` (default
``build/test-artefacts/browser``); those of every page, per role and width, in
``$VOUCHER_SCREENSHOTS`` (``test_every_page_browser.py``). Every request the pages make is recorded, so tests can
prove nothing leaves the app's own origin."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.web.workspace_world import PASSWORD, World, build_world
from voucher.db.engine import make_engine
from voucher.db.migrate import upgrade
from voucher.services.access import people
from voucher.web.app import create_app
from voucher.web.limits import limiter

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = (
    Path(os.environ.get("VOUCHER_TEST_ARTEFACTS", ROOT / "build" / "test-artefacts")) / "browser"
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
)


@dataclass
class Live:
    url: str
    app: object
    world: World
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'voucher.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with pytest.MonkeyPatch.context() as mp:
        from argon2 import PasswordHasher

        mp.setattr(people, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        world = build_world(engine)
    engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "browser-tests",
            "PSEUDONYM_KEY": b"browser-key",
            "SESSION_COOKIE_SECURE": False,
            # long work inline: these tests read the pages' own results; the job path (job
            # page, worker, result file) is walked in tests/adversary/test_long_jobs.py
            "INLINE_LONG_WORK": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", app, world)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["voucher.engine"].dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    tab = context.new_page()
    live.requests.clear()
    tab.on("request", lambda request: live.requests.append(request.url))
    yield tab
    context.close()
    assert all(
        r.startswith(live.url) or r.startswith("data:") or r.startswith("blob:")
        for r in live.requests
    ), [r for r in live.requests if not r.startswith(live.url)]


def sign_in(page, live: Live, who: str) -> None:
    limiter.reset()
    page.goto(live.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(live.world.emails[who])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion" not in url)  # each role lands on its work


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
