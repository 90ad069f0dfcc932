from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from billing.selectors import wallet_for
from billing.usage import (
    DayUsage,
    InvalidPeriod,
    Usage,
    UsageReport,
    usage_csv,
    usage_period,
    usage_report,
)
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response

S = serializers


class OrganizationRefOutput(S.Serializer[Any]):
    id = S.IntegerField()
    name = S.CharField()


class AccountOutput(S.Serializer[Any]):
    organization = OrganizationRefOutput()
    in_wallet = S.FloatField(help_text="Credits you can spend now: balance less held.")
    balance = S.FloatField()
    held = S.FloatField(help_text="Credits held for jobs still running.")


class UsageOutput(S.Serializer[Any]):
    jobs = S.IntegerField()
    minutes = S.FloatField()
    credits = S.FloatField()


class EngineUsageOutput(UsageOutput):
    engine = S.CharField()


class DayUsageOutput(UsageOutput):
    date = S.DateField()
    engines = S.DictField(child=UsageOutput(), help_text="Keyed by engine.")


class UsageReportOutput(S.Serializer[Any]):
    vars()["from"] = S.DateField()  # "from" is a Python keyword
    to = S.DateField()
    total = UsageOutput()
    engines = EngineUsageOutput(many=True)
    days = DayUsageOutput(many=True)


class AccountApi(OrganizationApiView):
    @extend_schema(
        summary="Your organization and its credits",
        responses={
            200: ok_response(AccountOutput, "The wallet", account={
                "organization": {"id": 1, "name": "Acme"}, "in_wallet": 42.5,
                "balance": 50.0, "held": 7.5}),
            401: AUTHENTICATION_FAILED,
        },
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
# The same report as format=csv downloads it, written by the same function.
_NOVEMBER_21 = DayUsage(date(2026, 11, 21), engines={"local": Usage(3, 750.0, Decimal("12.51"))})
USAGE_CSV_EXAMPLE = usage_csv(
    UsageReport(date(2026, 11, 1), date(2026, 11, 30), days=[_NOVEMBER_21])
)


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
        responses={
            (200, "application/json"): ok_response(UsageReportOutput, "Usage",
                                                   usage=USAGE_EXAMPLE),
            (200, "text/csv"): ok_response(OpenApiTypes.STR, "With format=csv",
                                           usage=USAGE_CSV_EXAMPLE),
            400: error_response("A bad date or period", (
                "invalid_request", "'from' must be a date like 2025-01-31, not 'yesterday'.")),
            401: AUTHENTICATION_FAILED,
        },
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
