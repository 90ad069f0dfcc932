"""HTML: the transcript as a standalone page from ``templates/exports/transcript.html``.

Named ``html_`` to keep it apart from the standard library's ``html``. The PDF export
renders the same page, so the two always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string

from jobs.exporters.options import ExportOptions
from jobs.exporters.prose import Timecode, paragraphs
from jobs.languages import language_name
from jobs.pages.formatting import duration_label

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument

TEMPLATE = "exports/transcript.html"


def render(document: TranscriptDocument, options: ExportOptions) -> str:
    # Django's autoescaping covers every value: titles and words are what people typed.
    return render_to_string(TEMPLATE, page_context(document, options))


def page_context(document: TranscriptDocument, options: ExportOptions) -> dict[str, Any]:
    return {
        "title": document.title,
        "language": document.language,
        "language_name": language_name(document.language) if document.language else "",
        "duration": duration_label(document.duration),
        "paragraphs": [
            {
                "speaker": paragraph.speaker,
                "pieces": [
                    ("timecode", piece.label) if isinstance(piece, Timecode) else ("text", piece)
                    for piece in paragraph.pieces
                ],
            }
            for paragraph in paragraphs(document.segments, options)
        ],
    }
