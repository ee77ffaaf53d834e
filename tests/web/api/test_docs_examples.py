"""The ``curl`` examples of docs/api.md run, as written, against the app served on
loopback: each answers JSON, never an internal error, and the scan example redeems."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.adversary.test_offline_pack import unknown_code

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def examples() -> list[str]:
    """Every ``curl`` command of the guide (continuation lines joined)."""
    found = []
    for block in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("   #")[0].strip()
            if command.startswith("curl "):
                found.append(command)
    return found


def run(command: str, env: dict[str, str]) -> Any:
    done = subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, (command, done.stderr)
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_guides_curl_examples_run(live, world, as_key):
    commands = examples()
    assert len(commands) >= 8
    for i, code in enumerate(world.codes[1:3]):  # something to page through
        as_key("reception").post(
            "/api/v1/redemptions", json={"code": code}, headers={"Idempotency-Key": f"d-{i}"}
        )
    first = as_key("reception").get("/api/v1/redemptions?page_size=1").get_json()
    offline = {"scan_id": "hors-ligne-1", "code": unknown_code(), "scanned_at": first["as_of"]}
    upload = as_key("reception").post("/api/v1/redemptions/batch", json={"scans": [offline]})
    dispute_id = upload.get_json()["results"][0]["dispute_id"]
    env = {
        **os.environ,
        "BASE": live,
        "KEY": world.keys["reception"],
        "CODE": world.codes[0],
        "AS_OF": first["as_of"],
        "NEXT": "",
        "DISPUTE": str(dispute_id),
    }
    answers = []
    for command in commands:
        if "$NEXT" in command:
            page = as_key("reception").get("/api/v1/redemptions?page_size=1").get_json()
            env["NEXT"] = page["next_cursor"] or ""
        answer = run(command, env)
        status = answer.get("status")
        assert answer.get("code") != "internal_error", (command, answer)
        assert not isinstance(status, int) or status < 400, (command, answer)
        answers.append(answer)
    redeemed = [a for a in answers if a.get("redemption_id")]
    assert redeemed and redeemed[0]["voucher"]["code"] == world.codes[0]
    assert any(a.get("secret", "").startswith("whsec_") for a in answers)
    assert any(a.get("id") == dispute_id and a.get("reason") == "unknown_code" for a in answers)
