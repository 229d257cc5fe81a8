import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_variables():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HTTPS", "STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    } | {
        "SECRET_KEY": "prod-" + "x9Kq2" * 12,
        "ALLOWED_HOSTS": "mops.example.com",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_in_production_is_refused():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_placeholder_secret_key_fails_the_deploy_check():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HTTPS", "STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    } | {
        "SECRET_KEY": "change-me-in-production-please-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "mops.example.com",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "mops.E001" in result.stderr + result.stdout
