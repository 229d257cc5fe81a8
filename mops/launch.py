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
from pathlib import Path

from mops.embedded import port_open, start_postgres, start_redis

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable


def _services(*, prefer_local: bool) -> list[object]:
    """Fill DATABASE_URL / REDIS_URL in os.environ; return embedded handles to keep alive."""
    handles: list[object] = []
    if not os.environ.get("DATABASE_URL"):
        if prefer_local and port_open("127.0.0.1", 5432):
            os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/mops"
        else:
            print("• starting embedded PostgreSQL in ./var/postgres …", flush=True)
            server, url = start_postgres(VAR)
            handles.append(server)
            os.environ["DATABASE_URL"] = url
    if not os.environ.get("REDIS_URL"):
        if prefer_local and port_open("127.0.0.1", 6379):
            os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        else:
            print("• starting embedded Redis in ./var/redis.db …", flush=True)
            server, url = start_redis(VAR)
            handles.append(server)
            os.environ["REDIS_URL"] = url
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
    bin_dir = Path(PY).parent
    procs = [
        subprocess.Popen([PY, "manage.py", "runserver", f"{host}:{port}", "--noreload"], cwd=ROOT),
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
        _stop(procs, handles)
    return 0


def _announce(host: str, port: str, *, demo: bool) -> None:
    from mops.accounts.demo_logins import DEMO_USERS, PASSWORD

    print(f"\n  mops is running at http://{host}:{port}/  (Ctrl-C to stop)\n")
    if not demo:
        print("  Started empty (DEMO=0). Log in as your administrator and open /setup/,")
        print("  the set-up guide. No administrator yet? Stop and run `make admin USER=you`.\n")
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
        _stop([], handles)
    return 0


def _ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it when we can (root + apt-get)."""
    import shutil

    if os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("• installing Debian's chromium for the browser tests …", flush=True)
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
    if not shutil.which("chromium"):
        print("! chromium not found: browser tests will fail; run `sudo apt-get install chromium`.")


def test(pytest_args: list[str]) -> int:
    _ensure_chromium()
    _services(prefer_local=True)
    os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
    lint = subprocess.run([str(Path(PY).parent / "ruff"), "check", "."], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    fmt = subprocess.run([str(Path(PY).parent / "ruff"), "format", "--check", "."], cwd=ROOT)
    if fmt.returncode:
        return fmt.returncode
    migrations = subprocess.run(
        [PY, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT
    )
    if migrations.returncode:
        print("Model changes without migrations: run `manage.py makemigrations`.")
        return migrations.returncode
    return subprocess.run([PY, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "run":
        sys.exit(run())
    if command == "test":
        sys.exit(test(sys.argv[2:]))
    if command == "admin":
        sys.exit(admin(sys.argv[2:]))
    sys.exit(f"unknown command {command!r}; use run, test or admin")
