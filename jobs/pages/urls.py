from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from jobs.organization_data import pages as organization_data
from jobs.organization_data.settings_page import organization_settings
from jobs.pages import docs, media, organize, views
from jobs.transcripts.pages import views as transcript_pages
from jobs.transcripts.search.pages import search_page

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("transcribe/new/", views.transcribe_new, name="transcribe-new"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/audio", media.job_audio, name="job-audio"),
    path("jobs/<uuid:job_id>/edit/", transcript_pages.transcript_editor, name="transcript-editor"),
    path("jobs/<uuid:job_id>/cancel/", views.job_cancel_view, name="job-cancel"),
    path("jobs/<uuid:job_id>/delete/", views.job_delete_view, name="job-delete"),
    path("jobs/<uuid:job_id>/rename/", organize.job_rename_view, name="job-rename"),
    path("jobs/<uuid:job_id>/tags/", organize.job_tag_add_view, name="job-tag-add"),
    path(
        "jobs/<uuid:job_id>/tags/<int:tag_id>/remove/",
        organize.job_tag_remove_view,
        name="job-tag-remove",
    ),
    path("jobs/<uuid:job_id>/row/", organize.job_row_view, name="job-row"),
    path("jobs/<uuid:job_id>/progress/", organize.job_progress_view, name="job-progress"),
    path("", include("jobs.translation.pages.urls")),
    path("search/", search_page, name="search"),
    path("settings/", organization_settings, name="organization-settings"),
    path("settings/data/", organization_data.organization_data, name="organization-data"),
    path(
        "settings/data/export.zip",
        organization_data.organization_export_view,
        name="organization-export",
    ),
    path(
        "settings/data/delete/",
        organization_data.organization_erase_view,
        name="organization-erase",
    ),
    path("docs/api/", docs.api_quickstart, name="api-quickstart"),
    path("help/", docs.help_page, name="help"),
]
