"""Word (.docx): a title, the language and length, then one paragraph per speaker turn.

Named ``docx_`` so that it does not shadow python-docx's ``docx``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document
from docx.shared import Pt, RGBColor

from jobs.exporters.options import ExportOptions
from jobs.exporters.prose import Timecode, paragraphs
from jobs.languages import language_name
from jobs.pages.formatting import duration_label

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument

TIMECODE_COLOUR = RGBColor(0x66, 0x66, 0x66)


def render(document: TranscriptDocument, options: ExportOptions) -> bytes:
    word = Document()
    word.core_properties.title = document.title
    word.core_properties.language = document.language
    word.add_heading(document.title, level=1)
    meta = [language_name(document.language)] if document.language else []
    meta.append(duration_label(document.duration))
    word.add_paragraph(" · ".join(meta)).runs[0].font.size = Pt(9)
    for paragraph in paragraphs(document.segments, options):
        out = word.add_paragraph()
        if paragraph.speaker:
            out.add_run(f"{paragraph.speaker}: ").bold = True
        for index, piece in enumerate(paragraph.pieces):
            space = " " if index < len(paragraph.pieces) - 1 else ""
            if isinstance(piece, Timecode):
                run = out.add_run(piece.label + space)
                run.font.color.rgb = TIMECODE_COLOUR
            else:
                out.add_run(piece + space)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
