"""GoTranscript's order API under ``/api/v4/``: thin views over ``orders.services``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from accounts.permissions import Capability
from jobs.errors import InvalidJobRequest
from orders.api.auth import OrderFileAccess, OrderFileTokenAuthentication, request_field
from orders.api.base import GoTranscriptApiView, request_mode
from orders.api.docs import (
    DETAIL_RESPONSES,
    FILE_RESPONSES,
    LIST_RESPONSES,
    TEST_FILE_RESPONSES,
    create_request_examples,
    create_responses,
)
from orders.api.output import order_output, quote_output
from orders.api.serializers import INPUTS, input_for
from orders.exports import FORMATS, order_file_response, test_file_response
from orders.models import OrderType
from orders.selectors import (
    order_get,
    orders_page,
    orders_page_url,
    sample_order_get,
    sample_orders_page,
)
from orders.services.intake import order_place

TAGS = ["GoTranscript orders"]
MODE = OpenApiParameter(
    "mode", str, enum=["live", "test"], description="test: GoTranscript's sample answers."
)
FORMAT = OpenApiParameter(
    "format", str, enum=list(FORMATS),
    description="docx by default (captions and subtitles: srt).",
)  # fmt: skip


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
            api_base_url=self.links.base,
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
        examples=create_request_examples(order_type),
        responses=create_responses(order_type),
        tags=TAGS,
    )


_MEDIA = "`url`, `language`, `comment`, `from`, `till`, `callback_url`"
_HUMAN = f"{_MEDIA}, `text_format`, `timestamping`, `turnaround_time`, `number_of_speakers`"


@_create_schema(OrderType.TRANSCRIPTION, _HUMAN)
class TranscriptionOrderApi(_OrderCreateApi):
    order_type = OrderType.TRANSCRIPTION


@_create_schema(OrderType.CAPTIONS, _HUMAN)
class CaptionsOrderApi(_OrderCreateApi):
    order_type = OrderType.CAPTIONS


@_create_schema(
    OrderType.AUTOMATIC_TRANSCRIPTION,
    "`url`, `language` (the language to read: speech in another language is detected and "
    "its transcript translated into it), `callback_url`",
)
class AutomaticTranscriptionOrderApi(_OrderCreateApi):
    order_type = OrderType.AUTOMATIC_TRANSCRIPTION


@_create_schema(
    OrderType.SUBTITLES, "`url`, `translate_from`, `translate_to`, `comment`, `callback_url`"
)
class SubtitlesOrderApi(_OrderCreateApi):
    order_type = OrderType.SUBTITLES


_KNOWN_TEXT = "`audio_url`, `transcription_url`, `language`, `comment`, `callback_url`"


@_create_schema(
    OrderType.FORCED_ALIGNMENT,
    f"{_KNOWN_TEXT}: audio of up to 1 hour and the plain text it says; delivers "
    '`forced_alignment_transcription_url`, a JSON array of `{"word", "begin", "end"}`',
)
class ForcedAlignmentOrderApi(_OrderCreateApi):
    order_type = OrderType.FORCED_ALIGNMENT


@_create_schema(
    OrderType.TRANSCRIPTION_PROOFREADING,
    f"{_KNOWN_TEXT}, `text_format`, `timestamping`, `turnaround_time`, `captions`: your AI "
    "transcript (plain text, JSON, SRT or VTT) proofread by a person (`captions=true` adds "
    "`proofread_captions_url`); a transcript too poor to proofread is refunded",
)
class TranscriptionProofreadingOrderApi(_OrderCreateApi):
    order_type = OrderType.TRANSCRIPTION_PROOFREADING


@_create_schema(
    OrderType.TRANSLATION,
    "`url` (a .txt or .docx document), `translate_from`, `translate_to`, `comment`, "
    "`callback_url`; priced per word (`words` in the answer), machine-translated by the "
    "translators this installation has for the pair, delivered as `translation_url` (docx "
    "by default; `format=` doc, pdf, text, html, json)",
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
        description="Newest first, 50 a page; `next_page_url` carries `mode`, your "
        "`api_token` (when you sent one) and the `cursor`, so it is fetched as it is. "
        "`mode=test` lists GoTranscript's sample orders, one of each type, 3 a page.",
        tags=TAGS,
        parameters=[MODE, OpenApiParameter("cursor", str, description="From next_page_url.")],
        responses=LIST_RESPONSES,
    )
    def get(self, request: Request) -> Response:
        mode, cursor, links = request_mode(request), _cursor(request), self.links
        if mode == "test":
            page, after = sample_orders_page(cursor)
        else:
            page, after = orders_page(self.organization, cursor)
        return Response(
            {
                "orders": [order_output(o, links) for o in page],
                "next_page_url": orders_page_url(links, mode, after) if after is not None else None,
            }
        )


class OrderDetailApi(GoTranscriptApiView):
    @extend_schema(
        operation_id="orders_read",
        summary="Read an order (GoTranscript)",
        description='`{"data": {…}}` with every documented field; another organization\'s '
        "order is a 404 like a missing one. File URLs carry your `api_token` (when you sent "
        "one); append `&format=json` for another format. `mode=test` reads the sample order "
        "with that id (`GET /api/v4/orders?mode=test` lists them).",
        tags=TAGS,
        parameters=[MODE],
        responses=DETAIL_RESPONSES,
    )
    def get(self, request: Request, order_id: str) -> Response:
        if request_mode(request) == "test":
            order = sample_order_get(order_id)
        else:
            order = order_get(self.organization, order_id)
        return Response({"data": order_output(order, self.links)})


class OrderFileApi(GoTranscriptApiView):
    # The one route a callback's order file token opens (orders.file_tokens).
    authentication_classes = [
        OrderFileTokenAuthentication,
        *GoTranscriptApiView.authentication_classes,
    ]
    permission_classes = [OrderFileAccess]

    @extend_schema(
        operation_id="orders_file",
        summary="Download an order's file (GoTranscript)",
        description="`format=docx` (default; captions and subtitles default to `srt`), "
        "`doc` (the same Word document named .doc), `pdf`, `text`, `html`, `json`, `srt`, "
        "`vtt`; in the order's `text_format` and `timestamping`. Served once the order is "
        "finished. Besides your API key, `api_token` may be the one in the file URLs of "
        "the order's callback: it downloads that order's files only, for "
        "`HARK_ORDER_FILE_TOKEN_DAYS` (30) days.",
        tags=TAGS,
        parameters=[FORMAT],
        responses=FILE_RESPONSES,
    )
    def get(self, request: Request, order_id: str, kind: str) -> HttpResponse:
        order = order_get(self.organization, order_id)
        return order_file_response(order, kind, request_field(request, "format"))


class TestFileApi(GoTranscriptApiView):
    # A fixed sample, nobody's data: a test callback's receiver fetches it with nothing
    # of its own (a token sent is still checked, and a bad one refused).
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="orders_test_file",
        summary="Download a test file (GoTranscript)",
        description="GoTranscript's `/api/v4/test-file/<order type>`: a fixed sample in any "
        "of the order file formats, for trying download code before ordering.",
        tags=TAGS,
        parameters=[FORMAT],
        responses=TEST_FILE_RESPONSES,
    )
    def get(self, request: Request, order_type: str) -> HttpResponse:
        return test_file_response(order_type, request_field(request, "format"))
