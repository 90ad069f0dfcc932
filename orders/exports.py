"""An order's result files, through jobs' exporters, in GoTranscript's formats and with
the order's own ``text_format`` and ``timestamping``.

``doc``: no maintained library writes the old binary Word format, so ``doc`` is the
same Word document as ``docx`` (Word and LibreOffice open it whatever its name), named
``.doc`` and sent as ``application/msword`` for clients that file it by its type.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils.text import slugify

from jobs.api.results import export_response, transcript_document
from jobs.engines.base import Segment
from jobs.errors import InvalidJobRequest, JobConflict
from jobs.exporters import EXPORTERS, Exporter, TranscriptDocument
from jobs.exporters.options import FULL_VERBATIM, ExportOptions
from jobs.translation.api.output import translation_document
from orders import languages
from orders.models import Order, OrderDocument, OrderStatus, OrderType
from orders.selectors import order_file_kinds

# GoTranscript's format names → Hark's exporters.
FORMATS = {
    "docx": "docx", "doc": "docx", "pdf": "pdf", "text": "txt", "html": "html",
    "json": "json", "srt": "srt", "vtt": "vtt",
}  # fmt: skip
# Captions and subtitles are caption files unless another format is asked for.
CAPTION_KINDS = {"captions", "subtitles"}


def order_document(order: Order, kind: str) -> TranscriptDocument:
    if order.type == OrderType.TRANSLATION:
        return _translated_document(order)
    job = order.transcription_job
    if job is None:
        raise JobConflict("This order's result is no longer available.")
    if kind == "subtitles" and order.translation_job is not None:
        return translation_document(order.translation_job)
    return transcript_document(job, text_format=FULL_VERBATIM)


def _translated_document(order: Order) -> TranscriptDocument:
    """A translated document as the exporters take it: a paragraph a segment, untimed."""
    document = OrderDocument.objects.get(order=order)
    return TranscriptDocument(
        title=document.filename or f"Order {order.pk}",
        language=languages.code_for(order.translate_to),
        duration=0.0,
        segments=tuple(Segment(0.0, 0.0, text, 1.0) for text in document.translated),
    )


# GoTranscript's test files (``/api/v4/test-file/<type>``): a fixed two-speaker sample,
# so a client can try its download code before it orders anything.
SAMPLE = TranscriptDocument(
    title="Sample transcript",
    language="en",
    duration=9.0,
    segments=(
        Segment(0.0, 4.2, "Thanks for calling. How can I help you today?", 0.98, speaker="A"),
        Segment(4.6, 9.0, "Hi, I would like to check the status of my order.", 0.97, speaker="B"),
    ),
)
TEST_FILE_KINDS = {
    "transcriptions": "transcription", "automatic_transcriptions": "transcription",
    "transcription_proofreading": "transcription", "captions": "captions",
    "subtitles": "subtitles", "translations": "translation",
}  # fmt: skip


def _exporter(kind: str, requested: str) -> tuple[str, Exporter]:
    name = requested or ("srt" if kind in CAPTION_KINDS else "docx")
    if name not in FORMATS:
        raise InvalidJobRequest(
            f"Unknown format '{name}'. Available formats: {', '.join(FORMATS)}."
        )
    return name, EXPORTERS[FORMATS[name]]


def _named(response: HttpResponse, name: str, stem: str) -> HttpResponse:
    if name == "doc":
        response["Content-Type"] = "application/msword"
        response["Content-Disposition"] = f'attachment; filename="{stem}.doc"'
    return response


def test_file_response(order_type: str, requested: str) -> HttpResponse:
    kind = TEST_FILE_KINDS.get(order_type)
    if kind is None:
        raise InvalidJobRequest(
            f"There is no test file for '{order_type}'. Test files: {', '.join(TEST_FILE_KINDS)}."
        )
    name, exporter = _exporter(kind, requested)
    stem = f"test-{kind}"
    response = export_response(SAMPLE, exporter, ExportOptions(), stem=stem)
    return _named(response, name, stem)


def alignment_words(order: Order) -> list[dict[str, Any]]:
    """GoTranscript's forced alignment file: every word of the current transcript, in
    order, as ``{"word", "begin", "end"}`` (seconds)."""
    document = order_document(order, "alignment")
    return [
        {"word": word.text, "begin": round(word.start, 3), "end": round(word.end, 3)}
        for segment in document.segments
        for word in segment.words
    ]


def _alignment_response(order: Order, requested: str) -> HttpResponse:
    if requested not in ("", "json"):
        raise InvalidJobRequest("The forced alignment file is JSON only: send format=json.")
    response = JsonResponse(alignment_words(order), safe=False)
    stem = slugify(f"order-{order.pk}-alignment")
    response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    return response


def order_file_response(order: Order, kind: str, requested: str) -> HttpResponse:
    if kind not in order_file_kinds(order):
        raise InvalidJobRequest(
            f"A {order.type} order has no {kind} file; it has {', '.join(order_file_kinds(order))}."
        )
    if order.status != OrderStatus.FINISHED:
        raise JobConflict(
            f"This order is {order.status.replace('_', ' ')}; its files are served once it "
            "is finished."
        )
    if kind == "alignment":
        return _alignment_response(order, requested)
    name, exporter = _exporter(kind, requested)
    options = ExportOptions(
        text_format=order.text_format or FULL_VERBATIM,
        timestamping=order.timestamping or "not_required",
    )
    stem = slugify(f"order-{order.pk}-{kind}")
    response = export_response(order_document(order, kind), exporter, options, stem=stem)
    return _named(response, name, stem)
