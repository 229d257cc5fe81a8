"""`make run` and `make test`: find or start PostgreSQL and Redis, then run the app or the suite.

Order of preference for each service: the environment variable (DATABASE_URL /
REDIS_URL), then the standard local port (for tests only, or when reachable), then an
embedded server under ./var/.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from mops.embedded import port_open, start_postgres, start_redis

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable


# Where a running `make run` says which servers it uses, so a second shell (`make manage`,
# the `mops` command) reaches the same embedded PostgreSQL and Redis.
SERVICES_FILE = VAR / "services.env"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_services() -> dict[str, str]:
    """DATABASE_URL / REDIS_URL / SITE_URL of a `make run` that is still running, if any."""
    try:
        lines = SERVICES_FILE.read_text().splitlines()
    except FileNotFoundError:
        return {}
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    pid = values.get("PID", "")
    return values if pid.isdigit() and _alive(int(pid)) else {}


def _services(*, prefer_local: bool) -> list[object]:
    """Fill DATABASE_URL / REDIS_URL in os.environ; return embedded handles to keep alive."""
    handles: list[object] = []
    if os.environ.get("MOPS_EMBEDDED") == "1":  # CI covers the embedded servers this way
        prefer_local = False
    else:
        for key, value in _running_services().items():
            if key in ("DATABASE_URL", "REDIS_URL", "SITE_URL"):
                os.environ.setdefault(key, value)
    servers = (
        (
            "DATABASE_URL",
            5432,
            "postgres://postgres@127.0.0.1:5432/mops",
            "PostgreSQL in ./var/postgres",
            start_postgres,
        ),
        ("REDIS_URL", 6379, "redis://127.0.0.1:6379/0", "Redis in ./var/redis.db", start_redis),
    )
    for key, port, local_url, embedded, start in servers:
        if os.environ.get(key):
            continue
        if prefer_local and port_open("127.0.0.1", port):
            os.environ[key] = local_url
        else:
            print(f"• starting embedded {embedded} …", flush=True)
            server, url = start(VAR)
            handles.append(server)
            os.environ[key] = url
    return handles


def _manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def run() -> int:
    os.environ.setdefault("DEBUG", "1")
    handles = _services(prefer_local=False)
    _manage("migrate", "--noinput", "-v", "0")
    demo = os.environ.get("DEMO", "1").strip().lower() not in ("0", "no", "false", "off")
    if demo:
        _manage("seed_demo")
    elif sys.stdin.isatty():
        _manage("create_admin", "--first-run")  # asks only while no administrator exists
    host = os.environ.get("MOPS_HOST", "127.0.0.1")
    port = os.environ.get("MOPS_PORT", "8000")
    # Links in e-mails and feeds follow the address actually served.
    os.environ.setdefault("SITE_URL", f"http://{host}:{port}")
    _write_services_file()
    bin_dir = Path(PY).parent
    # The same production server as docker-compose (mops/gunicorn_conf.py), sized for a laptop.
    web_env = os.environ | {
        "GUNICORN_BIND": f"{host}:{port}",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        # errors only on the console; the access log would drown the demo output
        "GUNICORN_ACCESSLOG": os.environ.get("GUNICORN_ACCESSLOG", ""),
    }
    procs = [
        subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "mops.wsgi:application",
                "--config",
                "python:mops.gunicorn_conf",
            ],
            cwd=ROOT,
            env=web_env,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "mops",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "mops",
                "beat",
                "-l",
                "warning",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
            cwd=ROOT,
        ),
    ]
    try:
        _announce(host, port, demo=demo)
        _wait(procs)
    finally:
        SERVICES_FILE.unlink(missing_ok=True)
        _stop(procs, handles)
    return 0


def _write_services_file() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    values = {key: os.environ.get(key, "") for key in ("DATABASE_URL", "REDIS_URL", "SITE_URL")}
    values["PID"] = str(os.getpid())
    SERVICES_FILE.write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def manage(args: list[str]) -> int:
    """`make manage ARGS="…"` / the `mops` command: manage.py with the settings and the
    servers of `make run` (its embedded ones while it runs; else started for this command)."""
    os.environ.setdefault("DEBUG", "1")
    handles = _services(prefer_local=False)
    try:
        return subprocess.run([PY, "manage.py", *args], cwd=ROOT).returncode
    finally:
        if handles:
            _stop([], handles)


def console() -> None:
    """Entry point of the `mops` console script: `mops create_api_token admin`."""
    sys.exit(manage(sys.argv[1:]))


def _announce(host: str, port: str, *, demo: bool) -> None:
    from mops.accounts.demo_logins import DEMO_USERS, PASSWORD

    print(f"\n  mops is running at http://{host}:{port}/  (Ctrl-C to stop)\n")
    if not demo:
        print("  Started empty (DEMO=0). Log in as your administrator and open /setup/,")
        print("  the set-up guide. No administrator yet? In another terminal:")
        print("    make admin USER=you\n")
        return
    print(f"  Demo log-ins (password for all: {PASSWORD}):")
    for username, _first, _last, role, team in DEMO_USERS:
        print(f"    {username:<11} {role.label:<14} {team}")
    print(flush=True)


def _wait(procs: list[subprocess.Popen]) -> None:
    """Until Ctrl-C / SIGTERM, or until one of the processes dies."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in procs):
        time.sleep(0.5)


def _stop(procs: list[subprocess.Popen], handles: list[object]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    for handle in handles:
        cleanup = getattr(handle, "cleanup", None) or getattr(handle, "shutdown", None)
        if cleanup:
            cleanup()
    if procs:
        print("mops stopped.")


def admin(args: list[str]) -> int:
    """`make admin USER=name`: the first administrator, on the database `make run` uses."""
    if not args or not args[0]:
        print("usage: make admin USER=yourname")
        return 2
    os.environ.setdefault("DEBUG", "1")
    handles = _services(prefer_local=False)
    try:
        _manage("migrate", "--noinput", "-v", "0")
        _manage("create_admin", *args)
    finally:
        if handles:
            _stop([], handles)
    return 0


def _ensure_test_tools() -> None:
    """Browser tests drive Debian's Chromium; the SAML tests' IdP signs with xmlsec1.
    Install what is missing when we can (root + apt-get)."""
    import shutil

    missing = [
        package
        for package, present in (
            ("chromium", os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")),
            ("xmlsec1", shutil.which("xmlsec1")),
        )
        if not present
    ]
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        print(f"• installing Debian's {' and '.join(missing)} for the tests …", flush=True)
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False)
    for package in missing:
        if not shutil.which(package):
            print(
                f"! {package} not found: some tests will fail; run `sudo apt-get install {package}`."
            )


def _parallel(pytest_args: list[str]) -> list[str]:
    """pytest-xdist options for `make test`: one test worker per CPU the process may use (at
    most 8: each worker takes REDIS_URL's database number + its index, of Redis's 16), or
    TEST_WORKERS of them (0 or 1: serial); none when the arguments choose (`-n …`,
    `-p no:xdist`). Each worker has its own test database, Redis database, live server and
    browser (tests/conftest.py); `loadgroup` keeps tests marked `xdist_group` on one worker."""
    for arg in pytest_args:
        if arg.startswith(("-n", "--numprocesses", "--dist")) or arg.endswith("no:xdist"):
            return []
    chosen = os.environ.get("TEST_WORKERS", "").strip()
    workers = int(chosen) if chosen.isdigit() else min(len(os.sched_getaffinity(0)), 8)
    return ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []


def test(pytest_args: list[str]) -> int:
    _ensure_test_tools()
    _services(prefer_local=True)
    os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
    lint = subprocess.run([str(Path(PY).parent / "ruff"), "check", "."], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    # Types (pyproject [tool.mypy]; its cache in .mypy_cache keeps a re-run to seconds).
    types = subprocess.run([PY, "-m", "mypy"], cwd=ROOT)
    if types.returncode:
        return types.returncode
    fmt = subprocess.run([str(Path(PY).parent / "ruff"), "format", "--check", "."], cwd=ROOT)
    if fmt.returncode:
        return fmt.returncode
    # The check reads migration history from a database; the tests use their own, so point
    # it at the server's maintenance database (always there, no history to disagree with).
    maintenance = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres")
    migrations = subprocess.run(
        [PY, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": urllib.parse.urlunsplit(maintenance)},
    )
    if migrations.returncode:
        print("Model changes without migrations: run `manage.py makemigrations`.")
        return migrations.returncode
    return subprocess.run(
        [PY, "-m", "pytest", *_parallel(pytest_args), *pytest_args], cwd=ROOT
    ).returncode


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "run":
        sys.exit(run())
    if command == "test":
        sys.exit(test(sys.argv[2:]))
    if command == "admin":
        sys.exit(admin(sys.argv[2:]))
    if command == "manage":
        sys.exit(manage(sys.argv[2:]))
    sys.exit(f"unknown command {command!r}; use run, test, admin or manage")
