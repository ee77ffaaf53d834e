"""Rate-limit buckets that others cannot fill: a key's calls are counted by its id after
it was authenticated; a flood of ``Bearer <real prefix>.junk`` is counted against the
sender's address and never locks the real key out. ``Retry-After`` equals the body."""

from __future__ import annotations

from tests.web.api.conftest import problem


def test_a_flood_with_the_real_prefix_does_not_touch_the_real_key(app, client, world):
    app.config.update(API_LOOKUP_LIMIT="5 per minute", API_ADDRESS_LIMIT="20 per minute")
    prefix = world.keys["reception"].split(".", 1)[0]
    url = f"/api/v1/vouchers/{world.codes[0]}"
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    statuses = [
        client.get(
            url, headers={"Authorization": f"Bearer {prefix}.junk{n}"}, environ_base=attacker
        ).status_code
        for n in range(30)
    ]
    assert set(statuses[:20]) == {401} and set(statuses[20:]) == {429}
    desk = {"Authorization": f"Bearer {world.keys['reception']}"}
    for _ in range(5):
        assert client.get(url, headers=desk).status_code == 200
    refused = client.get(url, headers=desk)
    body = problem(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == str(body["retry_after"])
    assert 1 <= body["retry_after"] <= 60


def test_retry_after_only_on_429_and_503(app, client, world):
    app.config.update(API_ADDRESS_LIMIT="3 per minute")
    headers = {"Authorization": f"Bearer {world.keys['reception']}"}
    answers = [client.get(f"/api/v1/vouchers/{world.codes[0]}", headers=headers) for _ in range(3)]
    answers.append(client.get("/api/v1/vouchers/0000", headers=headers))
    assert all("Retry-After" not in a.headers for a in answers if a.status_code != 429)
    limited = client.get(f"/api/v1/vouchers/{world.codes[0]}", headers=headers)
    body = problem(limited, 429, "rate_limited")
    assert limited.headers["Retry-After"] == str(body["retry_after"])
