"""The API docs pages (Swagger UI and Redoc, served from drf-spectacular-sidecar's static
files), held to this host by a Content-Security-Policy.

Redoc's bundle fetches its "API docs by Redocly" logo from cdn.redoc.ly with no option to
turn it off; the policy stops that and anything like it in a future bundle, so a reader's
browser contacts no one but Hark (tests/test_api_docs_browser.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request

# Both pages start from an inline script; Redoc runs its search in a blob: worker and
# Swagger UI draws icons as data: images.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ]
)


class SwaggerDocsView(SpectacularSwaggerView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        response["Content-Security-Policy"] = DOCS_CSP
        return response


class RedocDocsView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        response["Content-Security-Policy"] = DOCS_CSP
        return response
