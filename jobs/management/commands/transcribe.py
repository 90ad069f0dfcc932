"""Transcribe a file from the command line through the same probe → engine → export
pipeline the workers use (no wallet or job rows: this is an operator's tool)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobs.engines.base import ProviderError, TranscriptionRequest
from jobs.errors import JobError
from jobs.exporters import EXPORTERS, TranscriptDocument, get_exporter
from jobs.options import TranscriptionOptions
from jobs.routing import route_plan, route_transcribe
from jobs.services.intake import media_quote
from jobs.text import apply_job_type


class Command(BaseCommand):
    help = "Transcribe an audio file and print the transcript."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", default="txt", choices=sorted(EXPORTERS))
        parser.add_argument("--model", default="")
        parser.add_argument("--language", default="")
        parser.add_argument("--diarization", action="store_true")
        parser.add_argument("--job-type", default="verbatim", choices=["verbatim", "smart"])

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        options = TranscriptionOptions(
            model=opts["model"], language=opts["language"], diarization=opts["diarization"]
        )
        try:
            quote = media_quote(path=path, options=options)
            request = TranscriptionRequest(
                path=path, language=quote.language, diarization=options.diarization
            )
            route = quote.route or route_plan(options)
            # The same providers, fallbacks and circuit breaker as the workers.
            result = route_transcribe(route, request, self._progress, record=lambda _: None)
        except (JobError, ProviderError) as exc:
            raise CommandError(exc.message) from None
        sys.stderr.write("\n")
        exporter = get_exporter(opts["format"])
        assert exporter is not None  # argparse restricted the choices
        document = TranscriptDocument(
            title=path.name,
            language=result.language,
            duration=result.duration,
            segments=apply_job_type(result.segments, opts["job_type"]),
        )
        body = exporter.render(document)
        if isinstance(body, bytes):  # docx, pdf: redirect to a file
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            self.stdout.write(body)

    def _progress(self, fraction: float) -> None:
        sys.stderr.write(f"\r{fraction * 100:5.1f}%")
        sys.stderr.flush()
