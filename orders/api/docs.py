"""What ``/api/v4/`` answers, as serializers and examples for the OpenAPI schema.

The views build their bodies in ``orders.api.output``; these classes describe them field
by field. Errors are GoTranscript's own body (``orders.api.base.gotranscript_error``),
not Hark's ``ErrorOutput``: a drop-in for GoTranscript's clients must answer what they
parse. A missing or bad ``api_token`` is one of its HTTP 400s, so every route's 400
shows those sentences (tests/test_api_schema.py checks this).
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from config.api_schema import ok_response
from jobs.exporters import EXPORTERS
from jobs.exporters.json_ import transcript_to_json
from jobs.exporters.options import ExportOptions
from orders import file_tokens, languages
from orders.api.auth import CALLBACK_LINK_OTHER_ORDER, INVALID_TOKEN
from orders.api.base import MISSING_TOKEN
from orders.exports import FORMATS, SAMPLE, TEST_FILE_KINDS
from orders.models import REVIEWED_TYPES, OrderType
from orders.selectors import FILE_FIELDS

S = serializers


class GoTranscriptErrorOutput(S.Serializer[Any]):
    """GoTranscript's error body: every ``/api/v4/`` refusal, and only theirs."""

    mode = S.CharField(help_text="test or live, as the request asked (live by default)")
    status = S.CharField(help_text="Always error.")
    error = S.CharField(help_text="A sentence a person understands.")


class OrderQuoteOutput(S.Serializer[Any]):
    mode = S.CharField(help_text="test (priced, nothing stored) or live (ordered)")
    status = S.CharField(help_text="Always success.")
    order_id = S.IntegerField(required=False, help_text="mode=live only.")
    order_total = S.FloatField(help_text="Credits.")
    seconds = S.IntegerField(help_text="Billed seconds of media.")
    words = S.IntegerField(required=False, help_text="translations only: billed words.")
    in_wallet = S.FloatField(help_text="Credits left to spend.")
    ai_transcripts_minutes_left = S.IntegerField(
        required=False, help_text="automatic_transcriptions only: minutes the wallet pays for."
    )
    delivery_estimate = S.CharField(help_text="UTC, YYYY-MM-DD HH:MM:SS.")


# Every order type's file URL fields (which ones an order has depends on its type).
_FILE_URL_FIELDS = sorted({name for fields in FILE_FIELDS.values() for name, _ in fields})


class OrderOutput(S.Serializer[Any]):
    id = S.IntegerField()
    type = S.CharField(help_text=", ".join(OrderType.values))
    status = S.CharField(help_text="processing, in_review, finished or refunded")
    price = S.FloatField(help_text="Credits.")
    paid_at = S.CharField(allow_null=True, help_text="UTC, YYYY-MM-DD HH:MM:SS.")
    delivery_estimate = S.CharField(allow_null=True, help_text="UTC, YYYY-MM-DD HH:MM:SS.")
    finished_at = S.CharField(allow_null=True, help_text="UTC; null until finished.")
    comment = S.CharField(allow_blank=True)
    seconds = S.IntegerField()
    words = S.IntegerField()
    translate_from = S.CharField(allow_blank=True)
    translate_to = S.CharField(allow_blank=True)
    language = S.CharField(allow_blank=True)
    text_format = S.CharField(allow_blank=True)
    timestamping = S.CharField(allow_blank=True)
    turnaround_time = S.CharField(allow_blank=True)
    number_of_speakers = S.CharField(allow_blank=True)
    captions = S.BooleanField()
    refund_reason = S.CharField(allow_blank=True, help_text="Why a refunded order was refunded.")
    vars().update(
        {
            name: S.CharField(
                required=False,
                help_text="Served once the order is finished; carries your api_token (when "
                "you sent one): append &format=json for another format.",
            )
            for name in _FILE_URL_FIELDS
        }
    )


class OrderPageOutput(S.Serializer[Any]):
    orders = OrderOutput(many=True)
    next_page_url = S.URLField(
        allow_null=True,
        help_text="With mode, your api_token and the cursor; null on the last page.",
    )


class OrderDetailOutput(S.Serializer[Any]):
    data = OrderOutput()  # type: ignore[assignment]  # a field, not the attribute


class TranscriptWordOutput(S.Serializer[Any]):
    text = S.CharField()
    start = S.FloatField()
    end = S.FloatField()
    confidence = S.FloatField()


class TranscriptSegmentOutput(S.Serializer[Any]):
    start = S.FloatField()
    end = S.FloatField()
    text = S.CharField(allow_blank=True)
    speaker = S.CharField(allow_null=True)
    confidence = S.FloatField()
    words = TranscriptWordOutput(many=True)


class TranscriptFileOutput(S.Serializer[Any]):
    """``format=json``: the transcript (``jobs.exporters.json_``)."""

    title = S.CharField()
    text = S.CharField(allow_blank=True)
    language = S.CharField(allow_blank=True)
    duration = S.FloatField()
    segments = TranscriptSegmentOutput(many=True)


def gotranscript_error(description: str, *messages: str, mode: str = "live") -> OpenApiResponse:
    """A ``/api/v4/`` error response: one example per sentence."""
    return OpenApiResponse(
        response=GoTranscriptErrorOutput,
        description=description,
        examples=[
            OpenApiExample(
                message[:40] if len(messages) > 1 else "refused",
                value={"mode": mode, "status": "error", "error": message},
            )
            for message in messages
        ],
    )


TOKEN_ERRORS = (MISSING_TOKEN, INVALID_TOKEN)
NOT_FOUND = gotranscript_error(
    "No such order, or another organization's", "The requested resource was not found."
)
QUOTE_EXAMPLE = {
    "mode": "live", "status": "success", "order_id": 123, "order_total": 0.28, "seconds": 11,
    "in_wallet": 59.72, "delivery_estimate": "2026-12-10 16:23:01",
}  # fmt: skip
_SLOW_LANGUAGE = next(
    name for name in languages.HUMAN_LANGUAGES if "12_hours" not in languages.turnarounds_for(name)
)


def _not_available(value: str, names: list[str], field: str) -> str:
    # The sentence orders.services.intake._choice raises.
    return f"'{value}' is not an available {field}. Available values: {', '.join(names)}."


_CALLBACK = "https://example.com/gotranscript/callback"
_ORDER_REQUESTS: dict[str, dict[str, Any]] = {
    OrderType.TRANSCRIPTION: {
        "mode": "live", "url": "https://example.com/media/interview.mp3",
        "language": "english", "text_format": "clean_verbatim",
        "timestamping": "change_of_speaker", "turnaround_time": "3_days",
        "number_of_speakers": "1_or_2", "comment": "Speaker names: Anna and Ben",
        "callback_url": _CALLBACK,
    },
    OrderType.CAPTIONS: {
        "mode": "live", "url": "https://example.com/media/webinar.mp4", "language": "english",
        "from": 60, "till": 1860, "turnaround_time": "5_days", "callback_url": _CALLBACK,
    },
    OrderType.AUTOMATIC_TRANSCRIPTION: {
        "mode": "live", "url": "https://example.com/media/call.mp3", "language": "english",
        "callback_url": _CALLBACK,
    },
    OrderType.SUBTITLES: {
        "mode": "live", "url": "https://example.com/media/talk.mp4",
        "translate_from": "english", "translate_to": "spanish", "callback_url": _CALLBACK,
    },
    OrderType.TRANSLATION: {
        "mode": "test", "url": "https://example.com/documents/brochure.docx",
        "translate_from": "english", "translate_to": "german",
        "comment": "Keep product names in English",
    },
    OrderType.FORCED_ALIGNMENT: {
        "mode": "live", "audio_url": "https://example.com/media/lecture.mp3",
        "transcription_url": "https://example.com/media/lecture.txt", "language": "english",
        "callback_url": _CALLBACK,
    },
    OrderType.TRANSCRIPTION_PROOFREADING: {
        "mode": "live", "audio_url": "https://example.com/media/call.mp3",
        "transcription_url": "https://example.com/media/call.srt", "language": "english",
        "turnaround_time": "3_days", "captions": True, "callback_url": _CALLBACK,
    },
}  # fmt: skip
# GoTranscript's clients post forms as often as JSON: the example is shown for each.
_REQUEST_MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded",
                        "multipart/form-data")  # fmt: skip


def create_request_examples(order_type: str) -> list[OpenApiExample]:
    """The request body of ``POST /api/v4/<order_type>``, in each media type it takes,
    with ``api_token`` in it as GoTranscript's clients send it."""
    return [
        OpenApiExample(
            f"{OrderType(order_type).label} order",
            value={"api_token": "hark_abc123", **_ORDER_REQUESTS[order_type]},
            request_only=True, media_type=media_type,
        )
        for media_type in _REQUEST_MEDIA_TYPES
    ]  # fmt: skip


def create_responses(order_type: str) -> dict[Any, Any]:
    """The responses of ``POST /api/v4/<order_type>``."""
    quote = dict(QUOTE_EXAMPLE)
    if order_type == OrderType.AUTOMATIC_TRANSCRIPTION:
        quote["ai_transcripts_minutes_left"] = 1990
    priced = {k: v for k, v in quote.items() if k != "order_id"} | {"mode": "test"}
    required = "url"
    if order_type == OrderType.TRANSLATION:
        quote |= {"seconds": 0, "words": 68, "order_total": 1.36}
        priced |= {"seconds": 0, "words": 68, "order_total": 1.36}
    if order_type in (OrderType.SUBTITLES, OrderType.TRANSLATION):
        refusals = [_not_available("klingon", languages.TRANSLATION_LANGUAGES,
                                   "translate_to language")]  # fmt: skip
    elif order_type == OrderType.AUTOMATIC_TRANSCRIPTION:
        refusals = [_not_available("klingon", languages.AUTOMATIC_LANGUAGES, "language")]
    elif order_type == OrderType.FORCED_ALIGNMENT:
        refusals = [_not_available("klingon", languages.ALIGNMENT_LANGUAGES, "language")]
    else:
        refusals = [_not_available("klingon", languages.HUMAN_LANGUAGES, "language")]
    if order_type in (OrderType.FORCED_ALIGNMENT, OrderType.TRANSCRIPTION_PROOFREADING):
        required = "audio_url"
        refusals.append("transcription_url is required: the URL of your transcript.")
    if order_type == OrderType.FORCED_ALIGNMENT:
        refusals.append(
            "This recording is 75 minutes long; forced alignment takes audio of up to 1 hour "
            "per order. Split it and order each part."
        )
    if order_type in REVIEWED_TYPES:
        refusals.append(
            f"turnaround_time 12_hours is not offered for {_SLOW_LANGUAGE}; it supports only "
            f"{', '.join(languages.turnarounds_for(_SLOW_LANGUAGE))}."
        )
    return {
        200: OpenApiResponse(
            response=OrderQuoteOutput,
            description="Ordered (mode=live) or priced (mode=test)",
            examples=[
                OpenApiExample("ordered", value=quote),
                OpenApiExample("priced (mode=test)", value=priced),
            ],
        ),
        400: gotranscript_error(
            "A missing or bad api_token, a bad parameter, media that cannot be fetched, "
            "or an empty wallet",
            *TOKEN_ERRORS,
            f"The '{required}' field is required.",
            *refusals,
            "You have 0 credits remaining but this order requires 0.28 credits.",
        ),
    }


_SAMPLE_ORDER: dict[str, Any] = {
    "id": 123, "type": "transcriptions", "status": "finished", "price": 0.28,
    "paid_at": "2026-12-07 16:23:01", "delivery_estimate": "2026-12-10 16:23:01",
    "finished_at": "2026-12-09 11:02:45", "comment": "Speaker names: Anna and Ben",
    "seconds": 11, "words": 0, "translate_from": "", "translate_to": "",
    "language": "english", "text_format": "clean_verbatim", "timestamping": "not_required",
    "turnaround_time": "3_days", "number_of_speakers": "1_or_2", "captions": False,
    "refund_reason": "",
    "transcription_url": "https://hark.example.com/api/v4/orders/123/transcription?api_token=hark_abc123",
}  # fmt: skip
_SAMPLE_PROCESSING: dict[str, Any] = {
    **_SAMPLE_ORDER, "id": 124, "status": "processing", "finished_at": None,
    "transcription_url": "https://hark.example.com/api/v4/orders/124/transcription?api_token=hark_abc123",
}  # fmt: skip

LIST_RESPONSES: dict[Any, Any] = {
    200: OpenApiResponse(
        response=OrderPageOutput,
        description="A page of orders",
        examples=[
            OpenApiExample(
                "a page",
                value={
                    "orders": [_SAMPLE_PROCESSING, _SAMPLE_ORDER],
                    "next_page_url": "https://hark.example.com/api/v4/orders?mode=live"
                    "&api_token=hark_abc123&cursor=123",
                },
            )
        ],
    ),
    400: gotranscript_error(
        "A missing or bad api_token, or a bad cursor",
        *TOKEN_ERRORS,
        "cursor is not valid; use the next_page_url you were given.",
    ),
}
DETAIL_RESPONSES: dict[Any, Any] = {
    200: OpenApiResponse(
        response=OrderDetailOutput,
        description="The order",
        examples=[OpenApiExample("finished", value={"data": _SAMPLE_ORDER})],
    ),
    400: gotranscript_error("A missing or bad api_token", *TOKEN_ERRORS),
    404: NOT_FOUND,
}

_BINARY_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc (the same Word document)",
    "application/pdf": "pdf",
}
_TEXT_TYPES = {
    "text/plain": "text",
    "text/html": "html",
    "application/x-subrip": "srt",
    "text/vtt": "vtt",
}
_JSON_FILE = json.loads(transcript_to_json(SAMPLE, ExportOptions()))
_TEXT_FILES = {name: EXPORTERS[FORMATS[name]].render(SAMPLE) for name in _TEXT_TYPES.values()}
_UNKNOWN_FORMAT = f"Unknown format 'mp3'. Available formats: {', '.join(FORMATS)}."


def _file_responses() -> dict[Any, Any]:
    files: dict[Any, Any] = {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"format={name}")
        for media_type, name in _BINARY_TYPES.items()
    }
    files.update(
        {
            # The test file itself, as that format renders it.
            (200, media_type): ok_response(
                OpenApiTypes.STR, f"format={name}", **{name: str(_TEXT_FILES[name])}
            )
            for media_type, name in _TEXT_TYPES.items()
        }
    )
    files[(200, "application/json")] = OpenApiResponse(
        response=TranscriptFileOutput,
        description="format=json",
        examples=[OpenApiExample("the test file", value=_JSON_FILE)],
    )
    return files


FILE_RESPONSES: dict[Any, Any] = {
    **_file_responses(),
    400: gotranscript_error(
        "A missing or bad api_token (or a callback's, changed, expired or for another "
        "order), an unknown format, a file this order has not, or an order not finished yet",
        *TOKEN_ERRORS,
        file_tokens.BROKEN,
        file_tokens.EXPIRED.format(days=30, order_id=123),
        CALLBACK_LINK_OTHER_ORDER.format(order_id=123),
        _UNKNOWN_FORMAT,
        "A transcriptions order has no captions file; it has transcription.",
        "This order is processing; its files are served once it is finished.",
    ),
    404: NOT_FOUND,
}
TEST_FILE_RESPONSES: dict[Any, Any] = {
    **_file_responses(),
    400: gotranscript_error(
        "A missing or bad api_token, an order type without a test file, or an unknown format",
        *TOKEN_ERRORS,
        f"There is no test file for 'invoices'. Test files: {', '.join(TEST_FILE_KINDS)}.",
        _UNKNOWN_FORMAT,
    ),
}
