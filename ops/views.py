"""``/health/`` and ``/metrics``: plain Django views outside the API. They answer load
balancers and Prometheus, which read the status code and the body's own format (JSON
for health, Prometheus text for metrics), not the API's error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ops.access import metrics_refusal
from ops.health import health_report
from ops.metrics import metrics_exposition


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    report = health_report(now=timezone.now())
    return JsonResponse(report.as_dict(), status=200 if report.ready else 503)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refusal = metrics_refusal(request)
    if refusal is not None:
        response = HttpResponse(
            refusal.message + "\n", status=refusal.status, content_type="text/plain; charset=utf-8"
        )
        if refusal.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_exposition(clock=timezone.now), content_type=CONTENT_TYPE_LATEST)
