from __future__ import annotations

from django.urls import URLPattern, path

from webhooks.pages import views

urlpatterns: list[URLPattern] = [
    path("webhooks/", views.webhooks_index, name="webhooks"),
    path("webhooks/<uuid:endpoint_id>/", views.endpoint_detail, name="webhook-endpoint"),
    path("webhooks/<uuid:endpoint_id>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("webhooks/<uuid:endpoint_id>/test/", views.endpoint_test, name="webhook-test"),
    path("webhooks/<uuid:endpoint_id>/delete/", views.endpoint_delete_view, name="webhook-delete"),
    path("webhooks/deliveries/<uuid:delivery_id>/", views.delivery_detail, name="webhook-delivery"),
    path(
        "webhooks/deliveries/<uuid:delivery_id>/resend/",
        views.delivery_resend_view,
        name="webhook-resend",
    ),
    path(
        "webhooks/signing-secret/rotate/",
        views.signing_secret_rotate,
        name="webhook-signing-secret-rotate",
    ),
    path("docs/webhooks/", views.webhooks_docs, name="webhooks-docs"),
]
