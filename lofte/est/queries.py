"""Reading a partnership's EST set-up: its categories and its settings. Nothing here writes.

Both are created by `setup.do_set_up_est` when the partnership is created. Should a partnership have no settings
row (one made outside `partnerships.actions.do_create_partnership`, not yet set up), `settings_of` answers with the
defaults, unsaved, which are what the row would hold; without categories, `categories_of` is empty, so nothing can
be reported until the partnership is set up.
"""

from __future__ import annotations

from collections.abc import Sequence

from lofte.est.models import Category, EstSettings
from lofte.partnerships.models import Partnership


def categories_of(partnership: Partnership) -> list[Category]:
    """The partnership's categories, main ones and their parts, in their order on the settings page."""
    return sorted(Category.objects.filter(partnership=partnership), key=lambda c: (c.position, c.code))


def leaf_categories(categories: Sequence[Category]) -> list[Category]:
    """The active categories without active subcategories: the ones a report may have."""
    parents = {c.parent_id for c in categories if c.active and c.parent_id}
    return [c for c in categories if c.active and c.pk not in parents]


def settings_of(partnership: Partnership) -> EstSettings:
    """The partnership's EST settings, or the defaults (unsaved) for a partnership not set up."""
    found = EstSettings.objects.filter(partnership=partnership).first()
    return found or EstSettings(partnership=partnership)
