"""Reading a page in tests: the text of one element by its id."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _ById(HTMLParser):
    """The text inside the element with one id (nested elements included)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.depth = 0
        self.found = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            if tag not in self.VOID:
                self.depth += 1
        elif dict(attrs).get("id") == self.wanted and not self.found:
            self.found = True
            self.depth = 0 if tag in self.VOID else 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def by_id(response: Any, element_id: str) -> str | None:
    """The whitespace-collapsed text of ``#element_id``, or None when the page has no such element."""
    parser = _ById(element_id)
    parser.feed(response.content.decode())
    if not parser.found:
        return None
    return " ".join("".join(parser.parts).split())
