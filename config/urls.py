from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView

from billing.api import AccountApi, UsageApi
from billing.stripe.webhook import stripe_webhook
from config.api_docs import RedocDocsView, SwaggerDocsView
from config.api_errors import bad_request_message, is_api_path, json_error
from jobs.api.reference import PricingApi
from review.api import ReviewOrderApi

api_v1: list[URLPattern | URLResolver] = [
    path("", include("jobs.api.urls")),
    path("transcribe/<uuid:job_id>/review/", ReviewOrderApi.as_view(), name="api-review-order"),
    path("account/", AccountApi.as_view(), name="api-account"),
    path("usage/", UsageApi.as_view(), name="api-usage"),
    path("pricing/", PricingApi.as_view(), name="api-pricing"),
    path("webhooks/", include("webhooks.api.urls")),
    path("", include("jobs.organization_data.urls")),
    path("", include("accounts.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/v4/", include("orders.api.urls")),
    path("v1/", include("jobs.api.openai_urls")),
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("webhooks/providers/", include("webhooks.inbound")),
    path("", include("webhooks.pages.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("ops.urls")),
    path("", include("config.pages")),
]


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refused to read (too large, too many fields…): a sentence, in
    the API's error shape or on our page, never Django's bare "Bad Request"."""
    status, code, message = bad_request_message(exception)
    if is_api_path(request):
        return json_error(request, status, code, message)
    return render(request, "400.html", {"message": message}, status=status)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request):
        return json_error(request, 404, "not_found", "There is no API endpoint at this address.")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_path(request):
        return json_error(
            request, 500, "server_error", "Something went wrong on our side. Please try again."
        )
    return defaults.server_error(request)
