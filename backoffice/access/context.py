from __future__ import annotations

from itertools import groupby
from typing import Any, NamedTuple

from django.db import connections, router
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from backoffice.workbench.models import Notification
from backoffice.workbench.registry import MENU, MenuEntry

# The menu is the same for every user holding the same capabilities (of those its entries
# ask for), so its entries' URLs and its HTML are built once per such set and per what
# reverse() and the labels depend on (URL prefix, URLconf, language), not on every page:
# reverse() costs ~20 µs an entry, the template loop over the entries ~1 ms. Only which
# entries are "active" is the request's own (its path), and the HTML is kept per
# combination of them. Started afresh whenever the registered menu changes (apps
# register it from their ready()); bounded in size all the same.
_CACHE_MAX = 256


class _Menu(NamedTuple):
    items: tuple[tuple[Any, str, Any], ...]  # (label, url, section), in menu order
    html: dict[tuple[bool, ...], SafeString]  # by the items' "active" flags


class _MenuCache(NamedTuple):
    entries: tuple[MenuEntry, ...]
    capabilities: frozenset[str]
    menus: dict[tuple[Any, ...], _Menu]


_cache = _MenuCache((), frozenset(), {})


def _menu_for(user: Any) -> _Menu:
    global _cache
    cache = _cache
    entries = tuple(MENU)
    if entries != cache.entries:
        cache = _cache = _MenuCache(entries, frozenset(e.capability for e in entries), {})
    held = frozenset(cap for cap in cache.capabilities if user.can(cap))
    key = (held, get_script_prefix(), get_urlconf(), get_language())
    menu = cache.menus.get(key)
    if menu is None:
        items = tuple((e.label, reverse(e.url_name), e.section) for e in entries if e.capability in held)
        if len(cache.menus) >= _CACHE_MAX:
            cache.menus.clear()
        menu = cache.menus[key] = _Menu(items, {})
    return menu


def _menu_html(menu: _Menu, active: tuple[bool, ...]) -> SafeString:
    """The inside of base.html's <nav class="menu">, as its template loop wrote it: the
    entries grouped by section (consecutive ones with the same section, as ``regroup``
    does), a heading for each named section, the current page's entries marked."""
    html = menu.html.get(active)
    if html is None:
        out = ["\n    \n    "]
        links = zip(menu.items, active, strict=True)
        for section, group in groupby(links, key=lambda link: str(link[0][2])):
            out.append("\n      ")
            if section:
                out.append(f"<h2>{conditional_escape(section)}</h2>")
            out.append("\n      ")
            for (label, url, _section), is_active in group:
                current = ' aria-current="page"' if is_active else ""
                out.append(f'<a href="{conditional_escape(url)}"{current}>{conditional_escape(label)}</a>')
            out.append("\n    ")
        out.append("\n  ")
        html = mark_safe("".join(out))  # every label and URL escaped above
        if len(menu.html) >= _CACHE_MAX:
            menu.html.clear()
        menu.html[active] = html
    return html


def _unread_notifications(user: Any) -> int:
    """``user.notifications.filter(read_at__isnull=True).count()``, the same SQL written
    once: on every page the ORM would build and compile it anew (~0.4 ms of Python for a
    query the inbox index answers in a fraction of that)."""
    connection = connections[router.db_for_read(Notification, instance=user)]
    qn = connection.ops.quote_name
    columns = {field.name: qn(field.column) for field in Notification._meta.concrete_fields if field.column}
    table, recipient, read_at = qn(Notification._meta.db_table), columns["recipient"], columns["read_at"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE ({table}.{recipient} = %s AND {table}.{read_at} IS NULL)",
            [user.pk],
        )
        return int(cursor.fetchone()[0])


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The left menu: only the entries whose capability this user holds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    menu = _menu_for(user)
    path = request.path
    active = tuple(path.startswith(url) and url != "/" for _label, url, _section in menu.items)
    unread = _unread_notifications(user)
    return {
        "menu": [
            {"label": label, "url": url, "section": section, "active": is_active}
            for (label, url, section), is_active in zip(menu.items, active, strict=True)
        ],
        "menu_html": _menu_html(menu, active),
        "unread_notifications": unread,
    }
