"""A client generated from the OpenAPI document (openapi-python-client, pinned in the test
extra) scans, replays, is refused and hands a book out against the app served on
loopback: what an integrator would do on the first day."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CONFIG = "package_name_override: voucher_client\nproject_name_override: voucher-client\n"
PROFILE = {
    "local_reference": "ML-2026-0042",
    "population": "jeunes_insertion",
    "age_band": "dix_huit_vingt_quatre",
    "social_status": "sans_emploi",
    "commune_insee": "86194",
    "consent": True,
}


@pytest.fixture
def generated(client: Any, tmp_path: Path) -> Iterator[Any]:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    (tmp_path / "config.yaml").write_text(CONFIG + "post_hooks: []\n")
    tool = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(tmp_path / "voucher_client"),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("voucher_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == "voucher_client"]:
            del sys.modules[name]


@pytest.mark.slow
def test_a_generated_client_scans_replays_is_refused_and_hands_out(generated, live, world):
    api = importlib.import_module("voucher_client.api.scanning.redeem_voucher")
    hand_out = importlib.import_module("voucher_client.api.issuing.hand_out_book")
    models = importlib.import_module("voucher_client.models")
    desk = generated.AuthenticatedClient(base_url=live, token=world.keys["reception"])
    scan = models.Scan.from_dict({"code": world.codes[0]})

    first = api.sync_detailed(client=desk, body=scan, idempotency_key="gen-1")
    assert first.status_code == 201
    assert isinstance(first.parsed, models.Redemption)
    assert first.parsed.voucher.code == world.codes[0]

    replay = api.sync_detailed(client=desk, body=scan, idempotency_key="gen-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.parsed.redemption_id == first.parsed.redemption_id

    refused = api.sync_detailed(client=desk, body=scan, idempotency_key="gen-2")
    assert refused.status_code == 409
    assert str(getattr(refused.parsed.code, "value", refused.parsed.code)) == "already_redeemed"

    office = generated.AuthenticatedClient(base_url=live, token=world.keys["prescriber"])
    serial = world.first_serial + 1
    given = hand_out.sync_detailed(
        serial, client=office, body=models.HandOut.from_dict(PROFILE), idempotency_key="ho"
    )
    assert given.status_code == 200 and given.parsed.handed_out is True
    again = hand_out.sync_detailed(
        serial, client=office, body=models.HandOut.from_dict(PROFILE), idempotency_key="ho"
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
