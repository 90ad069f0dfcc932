"""A throwaway Hark installation for a benchmark: its own database, media and processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench._api import BenchmarkBroken
from bench._procs import free_port, start_in_own_group, stop_group, wait_for_port

REPO_ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(REPO_ROOT / "manage.py")
BENCH_EMAIL = "bench@example.org"


@dataclass(frozen=True)
class Installation:
    root: Path
    env: dict[str, str]
    api_key: str

    @property
    def database(self) -> Path:
        return self.root / "hark.sqlite3"  # where settings put SQLite under HARK_VAR_DIR


def installation_env(root: Path, *, workers: int = 1) -> dict[str, str]:
    # Start from our environment but drop every HARK_/database setting the caller may
    # have exported: the benchmark must measure the embedded defaults, not their shell.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HARK_") and name not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {
        **inherited,
        "HARK_VAR_DIR": str(root),
        "HARK_SIGNUP_GRANT": "100000",
        "HARK_WORKERS": str(workers),
        # Ten polls a second for ten minutes is 600/min, the default limit.
        "HARK_API_RATE": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    }


def installation_prepare(root: Path, *, workers: int = 1) -> Installation:
    """Migrate a fresh database under ``root`` and create the benchmark's API key."""
    env = installation_env(root, workers=workers)
    _manage(env, "migrate", "--no-input")
    api_key = _manage(env, "create_api_key", BENCH_EMAIL).strip()
    if not api_key:
        raise BenchmarkBroken("create_api_key printed no key")
    return Installation(root=root, env=env, api_key=api_key)


@dataclass(frozen=True)
class Services:
    base_url: str
    server_pid: int
    qcluster_pid: int
    qcluster_log: Path


@contextmanager
def services_running(installation: Installation) -> Iterator[Services]:
    """Run the web server and one qcluster until the block ends, then stop both.

    Both are stopped however the block ends, Ctrl-C included. If the block fails, the
    tail of each log is printed first, since the temporary folder goes with it.
    """
    port = free_port()
    root, env = installation.root, installation.env
    with ExitStack() as stack:
        server = start_in_own_group(
            [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env, cwd=REPO_ROOT, log=root / "runserver.log",
        )  # fmt: skip
        stack.callback(stop_group, server)
        worker = start_in_own_group(
            [sys.executable, MANAGE, "qcluster"], env=env, cwd=REPO_ROOT, log=root / "qcluster.log"
        )
        stack.callback(stop_group, worker)
        try:
            wait_for_port(port, process=server, timeout=60)
            yield Services(
                f"http://127.0.0.1:{port}", server.pid, worker.pid, root / "qcluster.log"
            )
        except Exception:
            _print_log_tails(root)
            raise


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, MANAGE, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchmarkBroken(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _print_log_tails(root: Path, *, lines: int = 30) -> None:
    for log in sorted(root.glob("*.log")):
        # Status polls would fill the tail of the server's log; they are never the story.
        kept = [
            line for line in log.read_text(errors="replace").splitlines() if '"GET ' not in line
        ]
        tail = kept[-lines:]
        print(f"--- last {len(tail)} lines of {log.name} ---", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
