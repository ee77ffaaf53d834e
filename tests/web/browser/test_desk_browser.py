"""The scan desk in a real browser, typed into as a USB scanner does (keys, then Enter):
accepted, then already redeemed, a typo caught in the page without any request (shown as
soon as a hand-typed code is complete, before Enter), the focus
always back in the field, the theme kept, a double Enter harmless, a scan cancelled; the
page's code check agrees with the server's; the vendored polyfill decodes a barcode with
its self-hosted wasm; no serious accessibility violation."""

from __future__ import annotations

import base64
import random

import pytest
from sqlalchemy import func, select

from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations, sign_in
from tests.web.browser.test_every_page_browser import WIDE
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption, Voucher
from voucher.domain import codes

pytestmark = [pytest.mark.browser, needs_chromium]


def scans_sent(live) -> int:
    return sum(1 for r in live.requests if r.endswith("/accueil/scan"))


def redemptions_of(live, code: str) -> int:
    with unit_of_work(live.app.extensions["voucher.engine"]) as s:
        return s.scalar(
            select(func.count())
            .select_from(Redemption)
            .join(Voucher, Voucher.id == Redemption.voucher_id)
            .where(Voucher.code == code, Redemption.status.in_(("accepted", "held")))
        )


def focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def scan_by_keyboard(page, code: str, *, kind: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#outcome .outcome.{kind}")


def test_a_reception_scans_by_keyboard_and_sees_each_outcome(page, live):
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    assert focused(page) == "code"
    page.select_option("#theme", "email")
    assert focused(page) == "code"  # choosing the theme gives the field its focus back
    first = live.world.codes_a[0]
    scan_by_keyboard(page, first, kind="accepted")
    outcome = page.inner_text("#outcome")
    assert "Accepté" in outcome and "10,00" in outcome
    assert f"chèque 1/10 — carnet {live.world.first_serial_a:06d}" in outcome
    assert focused(page) == "code" and page.input_value("#code") == ""
    assert page.input_value("#theme") == "email"
    screenshot(page, "accueil-accepte")
    scan_by_keyboard(page, first, kind="refused")
    outcome = page.inner_text("#outcome")
    assert "Déjà utilisé le" in outcome and "ne pas accepter" in outcome
    assert focused(page) == "code" and scans_sent(live) == 2
    screenshot(page, "accueil-deja-encaisse")
    typo = first[:7] + str((int(first[7]) + 3) % 10) + first[8:]
    page.keyboard.type(typo)
    page.keyboard.press("Enter")
    assert "Code mal saisi" in page.inner_text("#outcome")
    assert scans_sent(live) == 2  # caught in the page: no request at all
    page.keyboard.type(first[:23])  # one digit missing: said so, not "a digit is wrong"
    page.keyboard.press("Enter")
    assert "il manque 1 chiffre (24 attendus)" in page.inner_text("#outcome")
    assert "faux" not in page.inner_text("#outcome") and scans_sent(live) == 2
    assert focused(page) == "code"
    screenshot(page, "accueil-code-mal-saisi")
    assert serious_violations(page) == []
    assert redemptions_of(live, first) == 1


def test_a_typo_typed_by_hand_is_shown_at_once_before_enter_and_cleared_when_corrected(page, live):
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    code = live.world.codes_a[4]
    typo = code[:23] + str((int(code[23]) + 1) % 10)
    page.keyboard.type(
        code[:12] + " " + code[12:23], delay=5
    )  # a code typed by hand, not finished yet
    assert page.inner_text("#outcome").startswith("Nouveau scan")
    page.keyboard.type(typo[23])
    page.wait_for_selector("#outcome .outcome.refused")
    assert "Code mal saisi" in page.inner_text("#outcome")  # no Enter pressed
    screenshot(page, "accueil-code-mal-saisi-en-tapant")
    page.keyboard.press("Backspace")
    page.wait_for_selector("#outcome .outcome.idle")
    scan_by_keyboard(page, code[23], kind="accepted")
    assert scans_sent(live) == 1 and redemptions_of(live, code) == 1


def test_a_scanner_on_a_us_layout_and_a_double_enter_redeem_once(page, live):
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    shifted = live.world.codes_a[1].translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    scan_by_keyboard(page, shifted, kind="accepted")
    code = live.world.codes_a[2]
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_selector("#outcome .outcome.accepted")
    page.wait_for_timeout(300)
    assert "chèque 3/10" in page.inner_text("#outcome")
    assert redemptions_of(live, code) == 1 and redemptions_of(live, live.world.codes_a[1]) == 1


def test_a_reception_cancels_its_own_scan(page, live):
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    code = live.world.codes_a[3]
    scan_by_keyboard(page, code, kind="accepted")
    page.get_by_role(
        "button", name=f"Annuler le scan du chèque 4 du carnet {live.world.first_serial_a}"
    ).click()
    page.wait_for_selector("text=Scan annulé")
    assert focused(page) == "code"
    assert redemptions_of(live, code) == 0
    screenshot(page, "accueil-scan-annule")
    scan_by_keyboard(page, code, kind="accepted")


def test_the_page_checks_codes_exactly_as_the_server_does(page, live):
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    rng = random.Random(4)
    samples = [codes.generate() for _ in range(40)]
    samples += [
        c[:i] + str((int(c[i]) + 1) % 10) + c[i + 1 :] for c in samples[:10] for i in (0, 11, 23)
    ]
    samples += [c[:i] + c[i + 1] + c[i] + c[i + 2 :] for c in samples[:10] for i in (0, 9, 22)]
    samples += [codes.format_code(c) for c in samples[:5]] + [
        c.replace("0", "O").replace("1", "l") for c in samples[:5]
    ]
    samples += [c.translate(str.maketrans("1234567890", "&é\"'(-è_çà")) for c in samples[:5]]
    samples += ["", "  ", "12-34", "abc", "é" * 24, "-" + samples[0], samples[0] + "0"]
    samples += [
        "".join(rng.choice("0123456789 -.&éèçà_('\"OIL") for _ in range(rng.randint(1, 30)))
        for _ in range(60)
    ]
    in_page = page.evaluate(
        "s => s.map(x => [VoucherCodes.normalise(x), VoucherCodes.isValid(VoucherCodes.normalise(x))])",
        samples,
    )
    on_server = [[codes.normalise(x), codes.is_valid(codes.normalise(x))] for x in samples]
    assert in_page == on_server
    assert sum(valid for _, valid in on_server) >= 55


def test_the_vendored_polyfill_decodes_a_barcode_with_its_self_hosted_wasm(page, live):
    from tests.barcode_images import code128_png

    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    data_url = (
        "data:image/png;base64," + base64.b64encode(code128_png(live.world.codes_a[9])).decode()
    )
    decoded = page.evaluate(
        """async (src) => {
        const camera = document.getElementById("camera");
        await new Promise((ok, ko) => { const s = document.createElement("script");
            s.src = camera.dataset.script; s.onload = ok; s.onerror = ko; document.head.appendChild(s); });
        const api = window.BarcodeDetectionAPI;
        api.prepareZXingModule({overrides: {locateFile: (p, prefix) => p.endsWith(".wasm") ? camera.dataset.wasm : prefix + p}});
        const detector = new api.BarcodeDetector({formats: ["code_128"]});
        const blob = await (await fetch(src)).blob();
        const found = await detector.detect(await createImageBitmap(blob));
        return found.map(b => b.rawValue);
    }""",
        data_url,
    )
    assert decoded == [live.world.codes_a[9]]
    assert any(
        r.endswith("/static/vendor/barcode-detector/zxing_reader.wasm") for r in live.requests
    )


def test_the_desk_page_is_small_and_fetches_the_camera_code_only_when_asked(page, live):
    """A slow rural connection: the desk page with everything it loads stays small; the
    polyfill and its wasm (hundreds of kB) are fetched only when the camera is asked for."""
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/", wait_until="load")
    names = page.evaluate("""() => performance.getEntries()
        .filter(e => e.entryType === "navigation" || e.entryType === "resource").map(e => e.name)""")
    loaded = {
        name: len(page.request.get(name).body()) for name in names
    }  # full sizes, whatever the cache did
    assert live.url + "/accueil/" in loaded and any(n.endswith("desk.js") for n in loaded)
    assert any(n.endswith(".css") for n in loaded)
    assert sum(loaded.values()) < 40_000, loaded
    assert not any("vendor/barcode-detector" in name for name in loaded)
    assert not any("vendor/barcode-detector" in r for r in live.requests)


def test_a_scan_with_focus_on_a_header_link_or_the_refusals_summary_is_recorded(page, live):
    """The scanner types wherever the focus is: on a header link, then on the "refus"
    summary. Each burst + Enter is taken as a scan (no page opened, no summary toggled),
    and the previous result is gone as soon as the new scan starts."""
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    first, second, third = live.world.codes_a[6], live.world.codes_a[7], live.world.codes_a[8]
    scan_by_keyboard(page, first, kind="accepted")
    scan_by_keyboard(page, first, kind="refused")  # so "1 refus aujourd'hui" exists
    page.wait_for_selector("#today details summary")
    scan_by_keyboard(page, second, kind="accepted")

    page.focus("header .brand")  # a header link
    page.keyboard.type(third[:5], delay=5)
    assert page.query_selector("#outcome .outcome.accepted") is None  # previous result gone
    assert "Nouveau scan" in page.inner_text("#outcome")
    page.keyboard.type(third[5:], delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#outcome .outcome.accepted")
    assert page.url == live.url + "/accueil/"  # the link was not followed
    outcome = page.inner_text("#outcome")
    assert f"carnet {live.world.first_serial_a:06d}" in outcome and "chèque 9/10" in outcome
    assert "Scan de" in outcome
    assert redemptions_of(live, third) == 1

    summary = page.locator("#today details summary")
    summary.focus()
    page.keyboard.type(first, delay=5)  # the first voucher again, scanned on the summary
    assert page.query_selector("#outcome .outcome.accepted") is None
    page.keyboard.press("Enter")
    page.wait_for_selector("#outcome .outcome.refused")
    outcome = page.inner_text("#outcome")
    assert "Déjà utilisé" in outcome and f"code finissant par {first[-4:]}" in outcome
    assert page.evaluate("document.querySelector('#today details').open") is False
    assert focused(page) == "code" and page.input_value("#code") == ""
    assert redemptions_of(live, first) == 1
    screenshot(page, "accueil-scan-focus-ailleurs")


def test_the_days_scans_do_not_make_a_phone_scroll_sideways(page, live):
    """At 390 px, once the day's table has rows (time, voucher, amount, theme, who, state, a
    cancel button), the page is no wider than the window: the table scrolls in its own
    region, not the whole desk with its scan field."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live, "reception_a")
    page.goto(live.url + "/accueil/")
    page.select_option("#theme", "email")
    scan_by_keyboard(page, live.world.codes_a[5], kind="accepted")
    wide = page.evaluate(WIDE)  # the day's table as the page replaced it after the scan
    assert wide is None, f"after the scan the desk is {wide[0]} px wide at 390 px: {wide[1]}"
    page.goto(live.url + "/accueil/")
    assert page.locator("#today table tbody tr").count() >= 1
    wide = page.evaluate(WIDE)
    assert wide is None, f"the desk is {wide[0]} px wide at 390 px: {wide[1]}"
    region = page.locator("#today .table-scroll")
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    screenshot(page, "accueil-scans-du-jour-390")
