"""Configuration in one place (#13): a setting read at call time with a fallback
(`getattr(settings, "NAME", default)`) is declared in mops/settings.py, read from the
environment there, and listed in the README; no app reads the environment itself."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("mops", "catalog", "governance", "intake", "releases", "metrics")
# Files that read the environment themselves -> why that is not a setting.
ENVIRONMENT_READERS = {
    "mops/settings.py": "the settings",
    "mops/launch.py": "`make run`/`make test` launcher: fills the environment before Django",
    "mops/gunicorn_conf.py": "gunicorn's own configuration, read before Django",
    "mops/celery.py": "names the settings module",
    "mops/wsgi.py": "names the settings module",
    "mops/asgi.py": "names the settings module",
    "mops/accounts/management/commands/create_admin.py": "a one-off password for one "
    "command (MOPS_ADMIN_PASSWORD), never kept in the settings",
    "mops/accounts/setup.py": "whether MOPS_TIME_ZONE was set at all, which TIME_ZONE's "
    "default hides",
}
READ = re.compile(r"getattr\(\s*settings,\s*\"([A-Z0-9_]+)\"")


def _code() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for folder in CODE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    }


def test_settings_read_with_a_fallback_are_declared_and_documented():
    declared = (ROOT / "mops/settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    missing = {
        (path, name)
        for path, text in _code().items()
        for name in READ.findall(text)
        if not re.search(rf"^{name} = env\.", declared, re.M) or f"`{name}`" not in readme
    }
    assert missing == set()


def test_no_app_reads_the_environment_itself():
    readers = {
        path
        for path, text in _code().items()
        if path not in ENVIRONMENT_READERS and re.search(r"os\.environ\b|os\.getenv\(", text)
    }
    assert readers == set()
