"""Registry of transcript export formats: name → ``Exporter``.

Adding a format is one module with a ``render(document) -> str`` and one line in
``EXPORTERS``; the download links, the API's ``format`` choices and the file names are
all derived from this dict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jobs.engines.base import Segment

# The format modules refer to TranscriptDocument only for typing, so importing them before
# it is defined here is safe.
from jobs.exporters import json_, srt, txt, vtt


@dataclass(frozen=True)
class TranscriptDocument:
    """What every exporter renders: a finished transcript and a little about it."""

    title: str
    language: str
    duration: float
    segments: Sequence[Segment]


@dataclass(frozen=True)
class Exporter:
    name: str
    label: str
    extension: str
    content_type: str
    render: Callable[[TranscriptDocument], str]


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter("txt", "Plain text", "txt", "text/plain; charset=utf-8", txt.render),
        Exporter(
            "srt", "SubRip subtitles", "srt", "application/x-subrip; charset=utf-8", srt.render
        ),
        Exporter("vtt", "WebVTT subtitles", "vtt", "text/vtt; charset=utf-8", vtt.render),
        Exporter("json", "JSON with word timings", "json", "application/json", json_.render),
    )
}


def get_exporter(name: str) -> Exporter | None:
    """The exporter called ``name`` (``txt``, ``srt``, ``vtt``, ``json``), or None."""
    return EXPORTERS.get(name)
