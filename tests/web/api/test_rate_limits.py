"""Rate limits per key and per address (Flask-Limiter, explicit storage): the caller gets
a 429 problem with Retry-After, and other keys are not affected."""

from __future__ import annotations

from tests.web.api.conftest import problem


def test_scans_are_limited_per_key(app, as_key, world):
    app.config["API_REDEEM_LIMIT"] = "2 per minute"
    api = as_key("reception")
    for n in range(2):
        r = api.post(
            "/api/v1/redemptions",
            json={"code": world.codes[n]},
            headers={"Idempotency-Key": f"r-{n}"},
        )
        assert r.status_code == 201
    r = api.post(
        "/api/v1/redemptions", json={"code": world.codes[2]}, headers={"Idempotency-Key": "r-2"}
    )
    problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0
    other = as_key("reception_2").post(
        "/api/v1/redemptions", json={"code": world.codes[2]}, headers={"Idempotency-Key": "r-2"}
    )
    assert other.status_code == 201


def test_look_ups_are_limited_per_address_too(app, as_key, world):
    app.config["API_ADDRESS_LIMIT"] = "3 per minute"
    for name in ("reception", "reception_2", "other_reception"):
        assert as_key(name).get(f"/api/v1/vouchers/{world.codes[0]}").status_code == 200
    problem(as_key("reception").get(f"/api/v1/vouchers/{world.codes[0]}"), 429, "rate_limited")
    elsewhere = as_key("reception").get(
        f"/api/v1/vouchers/{world.codes[0]}", environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert elsewhere.status_code == 200


def test_the_storage_is_the_configured_one(app):
    assert (
        app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    )  # redis:// in production (docs/api.md)


def test_a_scan_answer_carries_its_address_bucket_headers(app, as_key, world):
    """The address bucket counted by the view's own call (no limiter decorator) still
    names itself in ``X-RateLimit-*``: its size, what is left, the window's end."""
    app.config["API_ADDRESS_LIMIT"] = "50 per minute"
    api = as_key("reception")
    answers = [
        api.post(
            "/api/v1/redemptions",
            json={"code": world.codes[n]},
            headers={"Idempotency-Key": f"h-{n}"},
        )
        for n in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["50", "50"]
    left = [int(a.headers["X-RateLimit-Remaining"]) for a in answers]
    assert left[1] == left[0] - 1
    assert (
        int(answers[1].headers["X-RateLimit-Reset"])
        >= int(answers[0].headers["X-RateLimit-Reset"]) - 1
    )
    assert "Retry-After" not in answers[1].headers


def _layers(view):
    """The qualified name of a view and of every function it wraps."""
    from flask_limiter.util import get_qualified_name

    names = []
    while view is not None:
        names.append(get_qualified_name(view))
        view = getattr(view, "__wrapped__", None)
    return names


def test_no_api_view_carries_a_limit_the_limiter_would_skip(app):
    """The limiter's own hooks pass over every ``/api/`` request (``limits._counted_by_the_api``):
    a limiter decorator or blueprint limit on an API view would silently never apply. The API
    counts its buckets itself; this fails the day someone decorates an API view instead."""
    from voucher.web.limits import API_PREFIX, limiter

    marked = limiter._marked_for_limiting  # the functions ``limiter.limit`` decorated
    by_blueprint = limiter.limit_manager._blueprint_limits

    def limited(rule):
        blueprint = rule.endpoint.rpartition(".")[0]
        layers = _layers(app.view_functions[rule.endpoint])
        return bool(marked.intersection(layers)) or blueprint in by_blueprint

    rules = list(app.url_map.iter_rules())
    api = [r for r in rules if r.rule.startswith(API_PREFIX)]
    assert api, "the API has routes"
    assert [r.rule for r in api if limited(r)] == []
    # the check sees a decoration where there is one: the desk's scan and the login
    assert {"/accueil/scan", "/connexion"} <= {r.rule for r in rules if limited(r)}
