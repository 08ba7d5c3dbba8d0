from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from backoffice.workbench.registry import MENU


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The left menu: only the entries whose capability this user holds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    menu = []
    for entry in MENU:
        if user.can(entry.capability):
            url = reverse(entry.url_name)
            menu.append(
                {
                    "label": entry.label,
                    "url": url,
                    "section": entry.section,
                    "active": request.path.startswith(url) and url != "/",
                }
            )
    unread = 0
    if user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"menu": menu, "unread_notifications": unread}
