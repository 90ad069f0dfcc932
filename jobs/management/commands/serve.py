"""Run the web server and a worker cluster together: the one-command local setup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import suppress
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Hark on ADDRPORT with a django-q2 worker cluster beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        # SIGTERM (systemd, docker stop, kill) must run the finally below like Ctrl-C
        # does, or the worker would outlive the server.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGHUP, _exit_on_signal)
        # The worker is a separate process group so Ctrl-C reaches it through us, once.
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], start_new_session=True, env=os.environ.copy()
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            # SIGTERM to qcluster's main process alone: it stops its workers itself,
            # whereas SIGTERM to every process of the group makes it hang.
            worker.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=15)
            with suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
