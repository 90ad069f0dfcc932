from __future__ import annotations

from django.urls import path

from orders.api import views

urlpatterns = [
    path("transcriptions", views.TranscriptionOrderApi.as_view(), name="orders-transcriptions"),
    path(
        "automatic_transcriptions",
        views.AutomaticTranscriptionOrderApi.as_view(),
        name="orders-automatic-transcriptions",
    ),
    path("captions", views.CaptionsOrderApi.as_view(), name="orders-captions"),
    path("subtitles", views.SubtitlesOrderApi.as_view(), name="orders-subtitles"),
    path("translations", views.TranslationOrderApi.as_view(), name="orders-translations"),
    path(
        "forced_alignment", views.ForcedAlignmentOrderApi.as_view(), name="orders-forced-alignment"
    ),
    path(
        "transcription_proofreading",
        views.TranscriptionProofreadingOrderApi.as_view(),
        name="orders-transcription-proofreading",
    ),
    path("test-file/<str:order_type>", views.TestFileApi.as_view(), name="orders-test-file"),
    path("orders", views.OrderListApi.as_view(), name="orders-list"),
    path("orders/<str:order_id>", views.OrderDetailApi.as_view(), name="orders-detail"),
    path("orders/<str:order_id>/<str:kind>", views.OrderFileApi.as_view(), name="orders-file"),
]
