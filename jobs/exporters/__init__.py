"""Registry of transcript export formats: name → ``Exporter``.

Adding a format is one module with a ``render(document, options) -> str | bytes`` and one
line in ``EXPORTERS``; the download links, the API's ``format`` choices and the file names
are all derived from this dict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from jobs.engines.base import Segment

# The format modules refer to TranscriptDocument only for typing, so importing them before
# it is defined here is safe.
from jobs.exporters import docx_, html_, json_, pdf, srt, txt, vtt
from jobs.exporters.options import CLEAN_VERBATIM, ExportOptions


@dataclass(frozen=True)
class TranscriptDocument:
    """What every exporter renders: a finished transcript and a little about it."""

    title: str
    language: str
    duration: float
    segments: Sequence[Segment]


Renderer = Callable[[TranscriptDocument, ExportOptions], str | bytes]


@dataclass(frozen=True)
class Exporter:
    name: str
    label: str
    extension: str
    content_type: str
    renderer: Renderer

    def render(
        self, document: TranscriptDocument, options: ExportOptions | None = None
    ) -> str | bytes:
        """The document in this format: text for text formats, bytes for binary ones."""
        options = options or ExportOptions()
        return self.renderer(as_requested(document, options), options)


def as_requested(document: TranscriptDocument, options: ExportOptions) -> TranscriptDocument:
    """The document in the text format asked for. Clean verbatim is the transcript through
    Smart (fillers dropped); full verbatim is every word as stored."""
    if options.text_format != CLEAN_VERBATIM:
        return document
    # Imported here: jobs.text needs the app registry, and this package is imported by
    # modules that load before it (and Smart is the one job type that cleans text).
    from jobs.text import apply_job_type

    segments = apply_job_type(document.segments, "smart", language=document.language)
    return replace(document, segments=segments)


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter("txt", "Plain text", "txt", "text/plain; charset=utf-8", txt.render),
        Exporter(
            "srt", "SubRip subtitles", "srt", "application/x-subrip; charset=utf-8", srt.render
        ),
        Exporter("vtt", "WebVTT subtitles", "vtt", "text/vtt; charset=utf-8", vtt.render),
        Exporter("json", "JSON with word timings", "json", "application/json", json_.render),
        Exporter(
            "docx",
            "Word document",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx_.render,
        ),
        Exporter("pdf", "PDF document", "pdf", "application/pdf", pdf.render),
        Exporter("html", "Web page", "html", "text/html; charset=utf-8", html_.render),
    )
}


def get_exporter(name: str) -> Exporter | None:
    """The exporter called ``name`` (one of ``EXPORTERS``), or None."""
    return EXPORTERS.get(name)
