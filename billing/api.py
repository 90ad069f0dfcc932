from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from billing.pricing import price_table
from billing.selectors import wallet_for
from billing.usage import InvalidPeriod, usage_csv, usage_period, usage_report
from config.api import OrganizationApiView


class AccountApi(OrganizationApiView):
    @extend_schema(
        summary="Your organization and its credits",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, examples=[OpenApiExample(
            "account", value={"organization": {"id": 1, "name": "Acme"}, "in_wallet": 42.5,
                              "balance": 50.0, "held": 7.5})])},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        wallet = wallet_for(self.organization)
        return Response({
            "organization": {"id": self.organization.pk, "name": self.organization.name},
            "in_wallet": float(wallet.available),
            "balance": float(wallet.balance),
            "held": float(wallet.held),
        })  # fmt: skip


USAGE_EXAMPLE = {
    "from": "2026-11-01", "to": "2026-11-30",
    "total": {"jobs": 3, "minutes": 12.5, "credits": 12.51},
    "engines": [{"engine": "local", "jobs": 3, "minutes": 12.5, "credits": 12.51}],
    "days": [{"date": "2026-11-21", "jobs": 3, "minutes": 12.5, "credits": 12.51,
              "engines": {"local": {"jobs": 3, "minutes": 12.5, "credits": 12.51}}}],
}  # fmt: skip


class UsageApi(OrganizationApiView):
    @extend_schema(
        summary="Minutes and credits per day and per engine",
        description=(
            "What was charged between `from` and `to` (inclusive, UTC dates, the last 30 "
            "days by default, at most 366), less refunds. `format=csv` downloads one row "
            "per day and engine."
        ),
        parameters=[
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD."),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default today)."),
            OpenApiParameter("format", str, enum=["json", "csv"]),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT,
                                        examples=[OpenApiExample("usage", value=USAGE_EXAMPLE)])},
    )  # fmt: skip
    def get(self, request: Request) -> Response | HttpResponse:
        params = request.query_params
        try:
            start, end = usage_period(params.get("from"), params.get("to"))
        except InvalidPeriod as exc:
            raise exceptions.ValidationError(exc.message) from None
        report = usage_report(self.organization, start, end)
        if params.get("format") == "csv":
            response = HttpResponse(usage_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="usage-{start}-{end}.csv"'
            return response
        return Response(report.as_dict())


class PricingApi(OrganizationApiView):
    @extend_schema(
        summary="The price table",
        description="Credits per audio minute for each model, plus surcharges per option.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response(price_table().as_dict())
