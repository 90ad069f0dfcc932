"""``api_token`` in the OpenAPI schema (imported by ``OrdersConfig.ready``): an API key,
or on the order file route the token a callback's file URLs carry."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "orders.api.auth.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_token",
            "description": "GoTranscript's api_token: an organization's API key, in the "
            "query string or the form/JSON body.",
        }


class OrderFileTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "orders.api.auth.OrderFileTokenAuthentication"
    name = "OrderFileToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_token",
            "description": "The api_token in the file URLs of an order's callback: it "
            "downloads that order's files only, for HARK_ORDER_FILE_TOKEN_DAYS (30) days, "
            "and stops working when the API key that placed the order is revoked.",
        }
