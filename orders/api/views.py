"""GoTranscript's order API under ``/api/v4/``: thin views over ``orders.services``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from accounts.permissions import Capability
from jobs.errors import InvalidJobRequest
from orders.api.auth import request_field
from orders.api.base import GoTranscriptApiView, request_mode
from orders.api.output import SAMPLE_ORDERS, order_output, quote_output
from orders.api.serializers import (
    INPUTS,
    GoTranscriptErrorOutput,
    OrderQuoteOutput,
    input_for,
)
from orders.exports import order_file_response, test_file_response
from orders.models import OrderType
from orders.selectors import order_get, orders_page
from orders.services.intake import order_place

QUOTE_EXAMPLE = {
    "mode": "live", "status": "success", "order_id": 123, "order_total": 0.28, "seconds": 11,
    "in_wallet": 59.72, "delivery_estimate": "2026-12-10 16:23:01",
}  # fmt: skip
ERROR_EXAMPLE = {"mode": "live", "status": "error", "error": "'klingon' is not an available …"}


class _OrderCreateApi(GoTranscriptApiView):
    order_type: ClassVar[str] = ""
    scopes = {"POST": Capability.JOBS_CREATE}

    def post(self, request: Request) -> Response:
        serializer = input_for(self.order_type, request.data)
        serializer.is_valid(raise_exception=True)
        quote = order_place(
            organization=self.organization,
            request=serializer.order_request(),
            actor=self.actor,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        return Response(quote_output(quote, self.order_type))


def _create_schema(order_type: str, fields: str) -> Any:
    return extend_schema_view(post=_post_schema(order_type, fields))


def _post_schema(order_type: str, fields: str) -> Any:
    return extend_schema(
        operation_id=f"orders_{order_type}_create",
        summary=f"Order {OrderType(order_type).label.lower()} (GoTranscript)",
        description=(
            f"GoTranscript's `POST /api/v4/{order_type}`: {fields}. `api_token` in the body "
            "(or query string, or a Bearer header). `mode=test` prices the order without "
            "charging or storing anything; `mode=live` places it, holds `order_total` on "
            "the wallet and sends `callback_url` a multipart callback when it is finished. "
            'Errors are HTTP 400 with `{"mode", "status": "error", "error"}`.'
        ),
        request=INPUTS[order_type],
        responses={200: dict, 400: dict},
        examples=[
            OpenApiExample("Ordered", value=QUOTE_EXAMPLE, response_only=True),
            OpenApiExample(
                "Refused", value=ERROR_EXAMPLE, response_only=True, status_codes=["400"]
            ),
        ],
        tags=["GoTranscript orders"],
    )


_MEDIA = "`url`, `language`, `comment`, `from`, `till`, `callback_url`"
_HUMAN = f"{_MEDIA}, `text_format`, `timestamping`, `turnaround_time`, `number_of_speakers`"


@_create_schema(OrderType.TRANSCRIPTION, _HUMAN)
class TranscriptionOrderApi(_OrderCreateApi):
    order_type = OrderType.TRANSCRIPTION


@_create_schema(OrderType.CAPTIONS, _HUMAN)
class CaptionsOrderApi(_OrderCreateApi):
    order_type = OrderType.CAPTIONS


@_create_schema(OrderType.AUTOMATIC_TRANSCRIPTION, "`url`, `language`, `callback_url`")
class AutomaticTranscriptionOrderApi(_OrderCreateApi):
    order_type = OrderType.AUTOMATIC_TRANSCRIPTION


@_create_schema(
    OrderType.SUBTITLES, "`url`, `translate_from`, `translate_to`, `comment`, `callback_url`"
)
class SubtitlesOrderApi(_OrderCreateApi):
    order_type = OrderType.SUBTITLES


_KNOWN_TEXT_ERROR = {
    "mode": "live", "status": "error",
    "error": "'german' is not an available language. Available values: english, french, "
    "spanish.",
}  # fmt: skip


def _known_text_schema(order_type: str, fields: str, example: dict[str, Any]) -> Any:
    """drf-spectacular's description of an order that brings its own transcript: typed
    request and answers, with GoTranscript's error body."""
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"orders_{order_type}_create",
            summary=f"Order {OrderType(order_type).label.lower()} (GoTranscript)",
            description=(
                f"GoTranscript's `POST /api/v4/{order_type}`: {fields}. `api_token` in the "
                "body (or query string, or a Bearer header). `mode=test` prices the order "
                "by the audio's length without charging or storing anything; `mode=live` "
                "fetches both URLs through the SSRF guard, holds `order_total` on the "
                "wallet and sends `callback_url` a multipart callback when it is finished "
                "or refunded. Errors are HTTP 400 with "
                '`{"mode", "status": "error", "error"}`.'
            ),
            request=INPUTS[order_type],
            responses={200: OrderQuoteOutput, 400: GoTranscriptErrorOutput},
            examples=[
                OpenApiExample(
                    "Order",
                    value={
                        "mode": "live",
                        "audio_url": "https://example.com/interview.mp3",
                        "transcription_url": "https://example.com/interview.txt",
                        "language": "english",
                        "callback_url": "https://example.com/gt",
                    },
                    request_only=True,
                ),
                OpenApiExample("Ordered", value=example, response_only=True),
                OpenApiExample(
                    "Refused", value=_KNOWN_TEXT_ERROR, response_only=True, status_codes=["400"]
                ),
            ],
            tags=["GoTranscript orders"],
        )
    )


@_known_text_schema(
    OrderType.FORCED_ALIGNMENT,
    "`audio_url` (up to 1 hour), `transcription_url` (plain text), `language` (`english`, "
    "`french`, `spanish`), `callback_url`; delivers `forced_alignment_transcription_url`, "
    'a JSON array of `{"word", "begin", "end"}`',
    {**QUOTE_EXAMPLE, "order_total": 0.01, "delivery_estimate": "2026-12-05 17:23:01"},
)
class ForcedAlignmentOrderApi(_OrderCreateApi):
    order_type = OrderType.FORCED_ALIGNMENT


@_known_text_schema(
    OrderType.TRANSCRIPTION_PROOFREADING,
    "`audio_url`, `transcription_url` (your AI transcript as plain text, JSON, SRT or "
    "VTT), `language`, `text_format`, `timestamping`, `turnaround_time`, `captions` "
    "(`true` adds `proofread_captions_url`), `comment`, `callback_url`; a person proofreads "
    "it, and a transcript too poor to proofread is refunded",
    {**QUOTE_EXAMPLE, "order_total": 0.17, "delivery_estimate": "2026-12-10 16:23:01"},
)
class TranscriptionProofreadingOrderApi(_OrderCreateApi):
    order_type = OrderType.TRANSCRIPTION_PROOFREADING


@extend_schema_view(
    post=extend_schema(
        operation_id="orders_translations_create",
        summary="Order a translation (GoTranscript)",
        description=(
            "GoTranscript's `POST /api/v4/translations`: `url` (a .txt or .docx document), "
            "`translate_from`, `translate_to` (GoTranscript's names), `comment`, "
            "`callback_url`. Priced per word (`words` in the answer); machine-translated by "
            "the translators this installation has for the pair (a pair none offers is a "
            "400 naming what is offered from that language). `mode=test` prices it and "
            "stores nothing; `mode=live` holds `order_total` and calls `callback_url` back "
            "with `translation_url` (docx by default; `format=` doc, pdf, text, html, json)."
        ),
        request=INPUTS[OrderType.TRANSLATION],
        responses={200: OrderQuoteOutput, 400: GoTranscriptErrorOutput},
        examples=[
            OpenApiExample(
                "Order",
                value={
                    "mode": "live",
                    "url": "https://example.com/letter.docx",
                    "translate_from": "english",
                    "translate_to": "spanish",
                    "comment": "Formal register",
                    "callback_url": "https://example.com/gt",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Ordered",
                value={
                    **QUOTE_EXAMPLE,
                    "order_total": 1.36,
                    "seconds": 0,
                    "words": 68,
                    "in_wallet": 58.64,
                    "delivery_estimate": "2026-12-05 17:23:01",
                },
                response_only=True,
            ),
            OpenApiExample(
                "Refused",
                value={
                    "mode": "live",
                    "status": "error",
                    "error": "No translator here can "
                    "translate English into Thai. From English you can translate into: "
                    "Catalan (ca), Spanish (es).",
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        tags=["GoTranscript orders"],
    )
)
class TranslationOrderApi(_OrderCreateApi):
    order_type = OrderType.TRANSLATION


def _cursor(request: Request) -> int | None:
    raw = request_field(request, "cursor")
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidJobRequest("cursor is not valid; use the next_page_url you were given.")
    return int(raw)


class OrderListApi(GoTranscriptApiView):
    @extend_schema(
        operation_id="orders_list",
        summary="List orders (GoTranscript)",
        description="Newest first, 50 a page; `next_page_url` carries the `cursor` (without "
        "your token: add `api_token` again). `mode=test` lists GoTranscript's sample orders.",
        tags=["GoTranscript orders"],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        mode = request_mode(request)
        if mode == "test":
            return Response({"orders": SAMPLE_ORDERS, "next_page_url": None})
        page, after = orders_page(self.organization, _cursor(request))
        next_url = None
        if after is not None:
            next_url = request.build_absolute_uri(
                f"{reverse('orders-list')}?mode={mode}&cursor={after}"
            )
        return Response({"orders": [order_output(o) for o in page], "next_page_url": next_url})


class OrderDetailApi(GoTranscriptApiView):
    @extend_schema(
        operation_id="orders_read",
        summary="Read an order (GoTranscript)",
        description='`{"data": {…}}` with every documented field; another organization\'s '
        "order is a 404 like a missing one. `mode=test` answers a sample order.",
        tags=["GoTranscript orders"],
        responses={200: dict, 404: dict},
    )
    def get(self, request: Request, order_id: str) -> Response:
        if request_mode(request) == "test":
            return Response({"data": SAMPLE_ORDERS[0]})
        return Response({"data": order_output(order_get(self.organization, order_id))})


class OrderFileApi(GoTranscriptApiView):
    @extend_schema(
        operation_id="orders_file",
        summary="Download an order's file (GoTranscript)",
        description="`format=docx` (default; captions and subtitles default to `srt`), "
        "`doc` (the same Word document named .doc), `pdf`, `text`, `html`, `json`, `srt`, "
        "`vtt`; in the order's `text_format` and `timestamping`.",
        tags=["GoTranscript orders"],
        responses={200: bytes},
    )
    def get(self, request: Request, order_id: str, kind: str) -> HttpResponse:
        order = order_get(self.organization, order_id)
        return order_file_response(order, kind, request_field(request, "format"))


class TestFileApi(GoTranscriptApiView):
    @extend_schema(
        operation_id="orders_test_file",
        summary="Download a test file (GoTranscript)",
        description="GoTranscript's `/api/v4/test-file/<order type>`: a fixed sample in any "
        "of the order file formats, for trying download code before ordering.",
        tags=["GoTranscript orders"],
        responses={200: bytes},
    )
    def get(self, request: Request, order_type: str) -> HttpResponse:
        return test_file_response(order_type, request_field(request, "format"))
