"""``GET /api/v1/search/``: a thin view over ``transcripts_search``, paginated like the
job list (``{"next", "previous", "results"}``; ``previous`` is always null, as the
cursor only moves forward)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from config.api import OrganizationApiView
from jobs.errors import InvalidJobRequest
from jobs.transcripts.search import docs
from jobs.transcripts.search.selectors import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SearchHit,
    transcripts_search,
)


def search_limit(params: QueryDict) -> int:
    raw = params.get("limit") or str(DEFAULT_LIMIT)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidJobRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def hit_output(hit: SearchHit) -> dict[str, Any]:
    return {
        "job_id": str(hit.job_id),
        "filename": hit.filename,
        "segment_id": str(hit.segment_id),
        "start": round(hit.start, 3),
        "end": round(hit.end, 3),
        "snippet": hit.snippet,
        "snippet_html": hit.snippet_html,
    }


class TranscriptSearchApi(OrganizationApiView):
    @extend_schema(**docs.SEARCH)
    def get(self, request: Request) -> Response:
        page = transcripts_search(
            self.organization,
            request.query_params.get("q", ""),
            cursor=request.query_params.get("cursor") or None,
            limit=search_limit(request.query_params),
        )
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        return Response(
            {"next": next_url, "previous": None, "results": [hit_output(h) for h in page.results]}
        )
