"""The public door for provider callbacks; the logic lives in webhooks.callbacks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks.callbacks import InvalidCallbackToken, UnknownProvider, callback_receive


@csrf_exempt
@require_POST
def provider_callback(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    try:
        reply = callback_receive(
            provider=provider,
            token=token,
            body=request.body,
            headers=request.headers,
            query=request.GET.dict(),
        )
    except UnknownProvider:
        return JsonResponse(
            {"error": "not_found", "message": "No provider callbacks are handled here."},
            status=404,
        )
    except InvalidCallbackToken:
        return JsonResponse(
            {"error": "forbidden", "message": "This callback URL is not valid or has expired."},
            status=403,
        )
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


urlpatterns = [
    path("<str:provider>/<str:token>/", provider_callback, name="provider-callback"),
]
