"""Backup and restore with the scripts the compose `backup` service runs, against the real
PostgreSQL: what a dump holds comes back whole in an empty database."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from mops.accounts.models import Team

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _pg_env(dbname: str) -> dict[str, str]:
    s = connection.settings_dict
    return os.environ | {
        "PGHOST": str(s["HOST"] or "127.0.0.1"),
        "PGPORT": str(s["PORT"] or 5432),
        "PGUSER": str(s["USER"] or "postgres"),
        "PGPASSWORD": str(s["PASSWORD"] or ""),
        "PGDATABASE": dbname,
    }


def _connect(dbname: str, **options: bool) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname=dbname,
        **options,
    )


def _admin(sql: str) -> None:
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(sql)


def test_backup_then_restore_into_an_empty_database(tmp_path):
    for i in range(3):
        Team.objects.create(name=f"Backup team {i}", slug=f"backup-team-{i}")
    source = connection.settings_dict["NAME"]
    backup = subprocess.run(
        ["sh", str(ROOT / "deploy" / "backup.sh")],
        env=_pg_env(source) | {"BACKUP_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert backup.returncode == 0, backup.stderr
    (dump,) = tmp_path.glob("mops-*.dump")
    assert not list(tmp_path.glob("*.partial"))

    target = f"mops_restore_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{target}"')
    try:
        restore = subprocess.run(
            ["sh", str(ROOT / "deploy" / "restore.sh"), str(dump)],
            env=_pg_env(target),
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr
        with _connect(target) as restored:
            names = {
                r[0]
                for r in restored.execute(
                    "SELECT name FROM accounts_team WHERE slug LIKE 'backup-team-%%'"
                )
            }
            migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()
        assert names == {f"Backup team {i}" for i in range(3)}
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert migrations == cursor.fetchone()
        missing = subprocess.run(
            ["sh", str(ROOT / "deploy" / "restore.sh"), str(tmp_path / "nope.dump")],
            env=_pg_env(target),
            capture_output=True,
            text=True,
        )
        assert missing.returncode == 2 and "no such backup" in missing.stderr
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
