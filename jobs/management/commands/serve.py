"""Serve Hark through gunicorn, with django-q2's worker clusters beside it unless told not
to: the one-command local setup, and (``--no-worker``) the web process of a deployment.

Two clusters: the main one (transcription, translation, sweepers) and a small one for
webhook deliveries, whose queue is its own so deliveries never wait behind chunks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from config.server import HarkServer, server_options
from lib.queue import DELIVERIES_CLUSTER


class Command(BaseCommand):
    help = (
        "Serve Hark on ADDRPORT with gunicorn (HARK_WEB_PROCESSES processes of "
        "HARK_WEB_THREADS threads) and django-q2's worker clusters beside it (the main "
        "one and the webhook deliveries' one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help=(
                "Serve the web only; workers run elsewhere (manage.py qcluster, and "
                "Q_CLUSTER_NAME=deliveries manage.py qcluster)."
            ),
        )

    def handle(self, *args: Any, addrport: str, no_worker: bool, **options: Any) -> None:
        # SIGTERM (systemd, docker stop, kill) must run the finally below like Ctrl-C
        # does, or the worker would outlive the server. Gunicorn's arbiter takes these
        # signals over once it runs, stops its web processes, and exits the same way.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGHUP, _exit_on_signal)
        workers = [] if no_worker else [_start_cluster(None), _start_cluster(DELIVERIES_CLUSTER)]
        # Web processes are forked from this one: none may inherit its connections.
        connections.close_all()
        arbiter_pid = os.getpid()
        self.stdout.write(
            f"Serving on http://{addrport}/ with {settings.HARK_WEB_PROCESSES} web "
            f"process(es) of {settings.HARK_WEB_THREADS} threads"
            + ("" if not workers else " and the worker clusters")
        )
        try:
            HarkServer(server_options(addrport)).run()
        finally:
            # Forked web processes leave through here too (gunicorn ends them with
            # SystemExit); only the arbiter owns the workers.
            if os.getpid() == arbiter_pid:
                for worker in workers:
                    worker.send_signal(signal.SIGTERM)
                for worker in workers:
                    _stop_worker(worker)


def _start_cluster(name: str | None) -> subprocess.Popen[bytes]:
    """``manage.py qcluster`` for the cluster ``name`` (None: the main one). Each is a
    separate process group so Ctrl-C reaches it through us, once."""
    env = os.environ.copy()
    env.pop("Q_CLUSTER_NAME", None)
    if name is not None:
        env["Q_CLUSTER_NAME"] = name
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], start_new_session=True, env=env
    )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    # SIGTERM (sent above, to both clusters at once) to qcluster's main process alone:
    # it stops its workers itself, whereas SIGTERM to every process of the group makes
    # it hang.
    with suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
