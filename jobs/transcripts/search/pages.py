"""The search results page (``/search/?q=``): server-rendered, over the same selector as
the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode

from accounts.pages.base import org_render, page_organization
from jobs.errors import InvalidJobRequest
from jobs.pages.formatting import timestamp_label
from jobs.transcripts.search.query import MAX_QUERY_LENGTH
from jobs.transcripts.search.selectors import SearchHit, transcripts_search


@dataclass(frozen=True)
class ResultRow:
    hit: SearchHit
    stamp: str
    # The editor (``/jobs/<id>/edit/``) opens at ``?t=`` seconds.
    moment_url: str
    job_url: str


def result_row(hit: SearchHit) -> ResultRow:
    job_url = reverse("job-detail", args=[hit.job_id])
    moment = f"{job_url}edit/?{urlencode({'t': f'{hit.start:.2f}'})}"
    return ResultRow(hit, timestamp_label(hit.start), moment, job_url)


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context: dict[str, object] = {
        "query": query,
        "search_query": query,
        "max_length": MAX_QUERY_LENGTH,
    }
    if not query:
        return org_render(request, "jobs/search.html", context)
    try:
        page = transcripts_search(
            page_organization(request), query, cursor=request.GET.get("cursor") or None
        )
    except InvalidJobRequest as error:
        context["error"] = error.message
        return org_render(request, "jobs/search.html", context, status=400)
    context["rows"] = [result_row(hit) for hit in page.results]
    context["first_page"] = not request.GET.get("cursor")
    if page.next_cursor:
        context["next_url"] = "?" + urlencode({"q": query, "cursor": page.next_cursor})
    return org_render(request, "jobs/search.html", context)
