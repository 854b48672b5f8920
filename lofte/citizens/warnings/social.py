"""The text for social media that the preview of a warning offers to copy."""

from __future__ import annotations

from lofte.citizens.models import Warning

SOCIAL_LIMIT = 280
ELLIPSIS = "…"


def social_text(warning: Warning, url: str) -> str:
    """A post for social media: the title, the start of the text and the link, at most SOCIAL_LIMIT characters with
    the link counted as it is written (services that shorten links only make it shorter)."""
    room = SOCIAL_LIMIT - len(url) - 2  # two line breaks
    title = shorten(" ".join(warning.title.split()), max(room, 0))
    room -= len(title) + 1
    excerpt = shorten(" ".join(warning.text.split()), room) if room > len(ELLIPSIS) + 10 else ""
    parts = [title, excerpt, url] if excerpt else [title, url]
    return "\n".join(part for part in parts if part)


def shorten(text: str, limit: int) -> str:
    """The text as it is if it fits, else cut at the last word boundary before the limit and ended with "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ""
    keep = limit - len(ELLIPSIS)
    head = text[:keep]
    if not text[keep].isspace() and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:–-") + ELLIPSIS
