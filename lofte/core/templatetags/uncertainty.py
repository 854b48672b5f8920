"""Template words for how sure a verdict is: ``{{ comparison|interval }}`` and ``{% correction tests %}``."""

from __future__ import annotations

from typing import Any

from django import template

from lofte.lib.uncertainty import correction_sentence, interval_words

register = template.Library()


@register.filter
def interval(comparison: Any) -> str:
    """The interval of anything with ``ci_low`` and ``ci_high`` (a rate ratio), in words."""
    return interval_words(getattr(comparison, "ci_low", None), getattr(comparison, "ci_high", None))


@register.simple_tag
def correction(tests: int, strict: bool = False, differences: bool = False) -> str:
    return correction_sentence(tests, strict=strict, differences=differences)
