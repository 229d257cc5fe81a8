"""The production compose file and image: what a team relies on when it runs mops itself.

`docker compose config` validates the syntax where Docker with compose is installed; these
tests assert the properties that matter whether or not it is."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = ("db", "redis", "web", "worker", "beat", "proxy", "backup")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_long_running_service_restarts_and_is_health_checked(compose):
    services = compose["services"]
    for name in LONG_RUNNING:
        service = services[name]
        assert service.get("restart") == "unless-stopped", name
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), name
    assert services["migrate"]["restart"] == "no"


def test_secret_key_is_required_not_defaulted(compose):
    for name in ("web", "worker", "beat", "migrate"):
        value = compose["services"][name]["environment"]["SECRET_KEY"]
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", value), (name, value)


def test_media_is_a_shared_named_volume(compose):
    for name in ("web", "worker"):
        assert "media:/app/var/media" in compose["services"][name]["volumes"], name
        assert compose["services"][name]["environment"]["MEDIA_ROOT"] == "/app/var/media"
    assert {"pgdata", "media", "backups"} <= set(compose["volumes"])


def test_demo_data_only_on_request_and_port_on_loopback(compose):
    command = " ".join(compose["services"]["migrate"]["command"])
    assert "seed_demo" in command and 'MOPS_DEMO:-0}" = 1' in command
    ports = compose["services"]["web"]["ports"]
    assert all(str(p).startswith("127.0.0.1:") for p in ports), ports


def test_beat_is_never_scaled_and_workers_prefetch_one(compose):
    assert "deploy" not in compose["services"]["beat"]
    assert "--prefetch-multiplier" in compose["services"]["worker"]["command"]


def test_image_runs_as_a_non_root_user_and_installs_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "--require-hashes -r requirements.lock" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", ".env"} <= set(ignored)


def test_backup_script_writes_a_custom_format_dump_atomically():
    script = (ROOT / "deploy" / "backup.sh").read_text()
    assert "pg_dump" in script and "-Fc" in script and ".partial" in script


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose is not installed here; the structural tests above still ran",
)
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        env={"SECRET_KEY": "a" * 60, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
