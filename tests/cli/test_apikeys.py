"""``voucher apikey``: a key is printed once at creation, never listed, and dies when revoked."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from tests import factories as f
from tests.web.api.conftest import problem
from voucher.cli import common
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import ApiKey, AuditEvent


def test_create_list_revoke_a_key_from_the_command_line(app, client, monkeypatch, tmp_path):
    engine = app.extensions["voucher.engine"]
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    monkeypatch.setattr(
        common, "engine", lambda: engine
    )  # one engine, disposed with the app (no stray connections)
    with unit_of_work(engine) as s:
        structure = f.structure(s).id
        funder = f.funder(s).id
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "apikey",
            "create",
            "--organisation",
            str(structure),
            "--role",
            "reception",
            "--name",
            "tablette accueil",
        ],
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("vk_") and "jamais affichée" in " ".join(made.stderr.split())
    with unit_of_work(engine) as s:
        key = s.scalars(select(ApiKey)).one()
        assert secret not in (key.key_hash, key.prefix) and key.prefix == secret.split(".")[0]
        assert s.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "api_key.create")
        ).all()

    assert (
        client.get("/api/v1/structures", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    listed = runner.invoke(main, ["apikey", "list"])
    assert listed.exit_code == 0 and key.prefix in listed.output and secret not in listed.output

    wrong = runner.invoke(
        main,
        ["apikey", "create", "--organisation", str(funder), "--role", "reception", "--name", "x"],
    )
    assert wrong.exit_code == 1 and "invalid_value" in wrong.output
    missing = runner.invoke(
        main, ["apikey", "create", "--organisation", "99999", "--role", "funder", "--name", "x"]
    )
    assert missing.exit_code == 1 and "not_found" in missing.output

    revoked = runner.invoke(main, ["apikey", "revoke", str(key.id)])
    assert revoked.exit_code == 0, revoked.output
    problem(
        client.get("/api/v1/structures", headers={"Authorization": f"Bearer {secret}"}),
        401,
        "invalid_api_key",
    )
