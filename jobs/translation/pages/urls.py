from __future__ import annotations

from django.urls import URLPattern, path

from jobs.translation.pages import views

urlpatterns: list[URLPattern] = [
    path("jobs/<uuid:job_id>/translate/", views.translation_order, name="translation-order"),
    path("translations/<uuid:translation_id>/", views.translation_detail,
         name="translation-detail"),
    path("translations/<uuid:translation_id>/cancel/", views.translation_cancel_view,
         name="translation-cancel"),
    path("translations/<uuid:translation_id>/delete/", views.translation_delete_view,
         name="translation-delete"),
    path("translations/<uuid:translation_id>/progress/", views.translation_progress_view,
         name="translation-progress"),
    path("translations/<uuid:translation_id>/badge/", views.translation_badge_view,
         name="translation-badge"),
]  # fmt: skip
