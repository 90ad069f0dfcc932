"""PDF: the HTML export's page, laid out by WeasyPrint.

Glyphs come from the system's fonts through fontconfig; ``bin/run`` and ``bin/test``
install Debian's Noto fonts so that German, Japanese, Korean, Chinese and the other
scripts Whisper writes render as text, not as empty boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobs.exporters import html_
from jobs.exporters.options import ExportOptions

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument, options: ExportOptions) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which no other export needs.
    from weasyprint import HTML

    pdf = HTML(string=html_.render(document, options)).write_pdf()
    assert pdf is not None  # None only when a target file is given
    return bytes(pdf)
