"""OpenAPI description and examples for ``GET /api/v1/search/`` (keyword arguments of
one ``extend_schema`` call)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from config.api_schema import AUTHENTICATION_FAILED, CursorPageOutput, error_response
from jobs.transcripts.search.query import MAX_QUERY_LENGTH
from jobs.transcripts.search.selectors import DEFAULT_LIMIT, MAX_LIMIT


class SearchHitOutput(serializers.Serializer[Any]):
    job_id = serializers.UUIDField()
    filename = serializers.CharField(allow_blank=True)
    segment_id = serializers.CharField()
    start = serializers.FloatField(help_text="Where the segment begins, in seconds.")
    end = serializers.FloatField()
    snippet = serializers.CharField()
    snippet_html = serializers.CharField(help_text="Escaped HTML, matches in <mark>.")


class SearchPageOutput(CursorPageOutput):
    results = SearchHitOutput(many=True)


RESULTS_EXAMPLE = {
    "next": "https://hark.example/api/v1/search/?q=fellow+americans&cursor=WzMuMjEsIDQ0MV0",
    "previous": None,
    "results": [
        {
            "job_id": "3f6c1a2e-8b4d-4e0f-9c7a-1d2e3f4a5b6c",
            "filename": "inaugural.flac",
            "segment_id": "0b6f2c1e-5d7a-4f0e-9a53-2f1d3c4b5a69",
            "start": 0.0,
            "end": 4.2,
            "snippet": "And so, my fellow Americans,",
            "snippet_html": "And so, my <mark>fellow</mark> <mark>Americans</mark>,",
        }
    ],
}

SEARCH: dict[str, Any] = {
    "tags": ["Search"],
    "summary": "Search your organization's transcripts",
    "description": (
        "Segments of your organization's transcripts that contain every word of `q`, best "
        "match first. Only the current version of each transcript is searched (the edited "
        "one once someone edits it), and an edit is found as soon as it is saved. Case "
        'and accents are ignored on the embedded database ("cafe" finds "café"); words '
        'in double quotes must appear together ("fellow americans"), and the last word '
        "also matches longer words it begins. Anything else in `q` is searched for as "
        "text, never as syntax. `snippet_html` is escaped HTML with the matching words in "
        "`<mark>`; `start` is where the segment begins, in seconds. Follow `next` for "
        "more; it is null on the last page."
    ),
    "parameters": [
        OpenApiParameter(
            "q",
            str,
            required=True,
            description=f"What to find (1 to {MAX_QUERY_LENGTH} characters).",
        ),
        OpenApiParameter(
            "limit",
            int,
            description=f"Results per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        ),
        OpenApiParameter("cursor", str, description="From a previous page's `next` link."),
    ],
    "responses": {
        200: OpenApiResponse(
            response=SearchPageOutput,
            description="One page of results",
            examples=[OpenApiExample("Example", value=RESULTS_EXAMPLE)],
        ),
        400: error_response(
            "An empty or too long query, a bad limit or cursor",
            ("invalid_request", "Type something to search for (the 'q' parameter is empty)."),
        ),
        401: AUTHENTICATION_FAILED,
    },
}
