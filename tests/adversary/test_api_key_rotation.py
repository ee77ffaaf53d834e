"""The operator rotating a place's key: the new key works at once, the old one keeps
working until the chosen date (devices are updated one by one) and then answers
``invalid_api_key``, like a key whose expiry has passed; ``/me`` tells a device both."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.web.api.conftest import Api, problem
from voucher.db.engine import unit_of_work
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.access import api_keys
from voucher.services.context import Actor

OPERATOR = Actor(label="test")


def test_rotation_keeps_the_old_key_until_its_date(app, client, world):
    until = utcnow() + timedelta(days=7)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        new = api_keys.rotate_key(s, OPERATOR, world.key_ids["reception"], until).secret
    old, fresh = Api(client, world.keys["reception"]), Api(client, new)
    me = old.get("/api/v1/me").get_json()
    assert me["key"]["expires_at"] is not None
    assert fresh.get("/api/v1/me").get_json()["key"]["expires_at"] is None
    with time_machine.travel(until + timedelta(seconds=1)):
        problem(old.get("/api/v1/me"), 401, "invalid_api_key")
        assert fresh.get("/api/v1/me").status_code == 200


def test_a_key_with_an_expiry_and_a_device_label(app, client, world):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        made = api_keys.create_key(
            s,
            OPERATOR,
            organisation_id=world.structure_id,
            role="reception",
            name="caisse",
            expires_at=utcnow() + timedelta(hours=1),
            device_label="tablette 2",
        ).secret
        with pytest.raises(DomainError):
            api_keys.create_key(
                s,
                OPERATOR,
                organisation_id=world.structure_id,
                role="reception",
                name="caisse",
                expires_at=utcnow() - timedelta(hours=1),
            )
        with pytest.raises(DomainError):  # an old key may not outlive a rotation by months
            api_keys.rotate_key(
                s, OPERATOR, world.key_ids["funder"], utcnow() + timedelta(days=365)
            )
    key = Api(client, made)
    assert key.get("/api/v1/me").get_json()["key"]["device_label"] == "tablette 2"
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        problem(key.get("/api/v1/me"), 401, "invalid_api_key")
