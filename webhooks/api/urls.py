from __future__ import annotations

from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("", views.WebhookEndpointListCreateApi.as_view(), name="api-webhooks"),
    path("signing-secret/", views.SigningSecretApi.as_view(), name="api-webhook-signing-secret"),
    path(
        "signing-secret/rotate/",
        views.SigningSecretRotateApi.as_view(),
        name="api-webhook-signing-secret-rotate",
    ),
    path(
        "deliveries/<str:delivery_id>/",
        views.WebhookDeliveryDetailApi.as_view(),
        name="api-webhook-delivery",
    ),
    path(
        "deliveries/<str:delivery_id>/resend/",
        views.WebhookDeliveryResendApi.as_view(),
        name="api-webhook-delivery-resend",
    ),
    path("<str:endpoint_id>/", views.WebhookEndpointDetailApi.as_view(), name="api-webhook"),
    path(
        "<str:endpoint_id>/rotate-secret/",
        views.WebhookEndpointRotateSecretApi.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path(
        "<str:endpoint_id>/test/", views.WebhookEndpointTestApi.as_view(), name="api-webhook-test"
    ),
    path(
        "<str:endpoint_id>/deliveries/",
        views.WebhookDeliveryListApi.as_view(),
        name="api-webhook-deliveries",
    ),
]
