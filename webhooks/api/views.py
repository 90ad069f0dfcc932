"""Webhooks API: thin views over webhooks.services and webhooks.selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Capability
from config.api import OrganizationApiView
from webhooks import services
from webhooks.api import docs
from webhooks.api.serializers import (
    EndpointInput,
    EndpointUpdateInput,
    delivery_output,
    endpoint_output,
    secret_output,
)
from webhooks.selectors import (
    deliveries_for,
    delivery_attempts,
    delivery_get,
    endpoint_get,
    endpoints_for,
)

TAG = docs.TAG


class DeliveryPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class WebhookEndpointListCreateApi(OrganizationApiView):
    scopes = {"POST": Capability.WEBHOOKS_MANAGE}

    @extend_schema(
        tags=TAG,
        summary="Your webhook endpoints",
        operation_id="webhooks_list",
        **docs.LIST,
    )
    def get(self, request: Request) -> Response:
        return Response({"results": [endpoint_output(e) for e in endpoints_for(self.organization)]})

    @extend_schema(
        tags=TAG,
        summary="Register a webhook endpoint",
        request=EndpointInput,
        **docs.CREATE,
        description="The answer carries the endpoint's signing `secret`; it is shown only once.",
    )
    def post(self, request: Request) -> Response:
        payload = EndpointInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        endpoint, secret = services.endpoint_create(
            organization=self.organization,
            url=data["url"],
            description=data.get("description", ""),
            event_types=data.get("events"),
            thin_payload=data["thin_payload"],
            actor=self.actor,
        )
        body = {**endpoint_output(endpoint), "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(OrganizationApiView):
    scopes = dict.fromkeys(("PATCH", "PUT", "DELETE"), Capability.WEBHOOKS_MANAGE)

    @extend_schema(
        tags=TAG,
        summary="One webhook endpoint",
        operation_id="webhooks_retrieve",
        **docs.DETAIL,
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(endpoint_output(endpoint_get(self.organization, endpoint_id)))

    @extend_schema(
        tags=TAG,
        summary="Change a webhook endpoint",
        request=EndpointUpdateInput,
        **docs.UPDATE,
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        payload = EndpointUpdateInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            organization=self.organization,
            endpoint_id=endpoint_id,
            changes=dict(payload.validated_data),
            actor=self.actor,
        )
        return Response(endpoint_output(endpoint))

    put = patch

    @extend_schema(tags=TAG, summary="Delete a webhook endpoint and its log", **docs.DELETE)
    def delete(self, request: Request, endpoint_id: str) -> Response:
        services.endpoint_delete(
            organization=self.organization, endpoint_id=endpoint_id, actor=self.actor
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateSecretApi(OrganizationApiView):
    scopes = {"POST": Capability.WEBHOOKS_MANAGE}

    @extend_schema(
        tags=TAG,
        summary="Rotate an endpoint's signing secret",
        request=None,
        responses=docs.SECRET_RESPONSES,
        description="The old secret keeps signing (alongside the new one) until "
        "`previous_secret_expires_at`.",
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint, secret = services.endpoint_rotate_secret(
            organization=self.organization, endpoint_id=endpoint_id, actor=self.actor
        )
        return Response(secret_output(endpoint, secret))


class WebhookEndpointTestApi(OrganizationApiView):
    scopes = {"POST": Capability.WEBHOOKS_MANAGE}

    @extend_schema(tags=TAG, summary="Send a test event", request=None, **docs.TEST)
    def post(self, request: Request, endpoint_id: str) -> Response:
        delivery = services.endpoint_send_test(
            organization=self.organization, endpoint_id=endpoint_id, actor=self.actor
        )
        return Response(delivery_output(delivery), status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListApi(OrganizationApiView):
    @extend_schema(
        tags=TAG,
        summary="An endpoint's deliveries, newest first",
        operation_id="webhook_deliveries_list",
        **docs.DELIVERIES,
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = endpoint_get(self.organization, endpoint_id)
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(
            deliveries_for(self.organization, endpoint=endpoint), request, view=self
        )
        return paginator.get_paginated_response([delivery_output(d) for d in page or []])


class WebhookDeliveryDetailApi(OrganizationApiView):
    @extend_schema(
        tags=TAG,
        summary="A delivery with its payload and every attempt",
        operation_id="webhook_delivery_retrieve",
        responses=docs.DELIVERY_RESPONSES,
    )
    def get(self, request: Request, delivery_id: str) -> Response:
        delivery = delivery_get(self.organization, delivery_id)
        return Response(delivery_output(delivery, attempts=list(delivery_attempts(delivery))))


class WebhookDeliveryResendApi(OrganizationApiView):
    scopes = {"POST": Capability.WEBHOOKS_MANAGE}

    @extend_schema(
        tags=TAG,
        summary="Send a delivery's message again (same webhook-id)",
        request=None,
        **docs.RESEND,
    )
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = services.delivery_resend(
            organization=self.organization, delivery_id=delivery_id, actor=self.actor
        )
        return Response(delivery_output(delivery), status=status.HTTP_202_ACCEPTED)


class SigningSecretApi(OrganizationApiView):
    # A read, but the secret is a credential: managers only.
    scopes = {"GET": Capability.WEBHOOKS_MANAGE}

    @extend_schema(
        tags=TAG,
        summary="The secret that signs deliveries to jobs' webhook_url",
        responses=docs.SECRET_RESPONSES,
    )
    def get(self, request: Request) -> Response:
        holder = services.organization_secret_read(organization=self.organization, actor=self.actor)
        return Response(secret_output(holder, holder.secret))


class SigningSecretRotateApi(OrganizationApiView):
    scopes = {"POST": Capability.WEBHOOKS_MANAGE}

    @extend_schema(
        tags=TAG,
        summary="Rotate the organization's signing secret",
        request=None,
        responses=docs.SECRET_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        holder = services.organization_secret_rotate(
            organization=self.organization, actor=self.actor
        )
        return Response(secret_output(holder, holder.secret))
