from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from billing.selectors import held_credits, wallet_for
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
        held = held_credits(self.organization)
        return Response({
            "organization": {"id": self.organization.pk, "name": self.organization.name},
            "in_wallet": float(wallet.balance - held),
            "balance": float(wallet.balance),
            "held": float(held),
        })  # fmt: skip
