"""The demo's draft lägesbild for Mjölby, written from the seed: KS/2024:126 and the real Brå and Polisen data.

The text is data (`data/lagesbild.json`): the problems are the three the kommun's decision names (narkotika and
normbrytande unga, bedrägerier, trafik), written as SARA problems. Facts come from the decision; where it says
nothing (the causes, most of all) the text says what the partnership still has to find out, rather than inventing
it. The demo's samordnare writes it through the lägesbild's actions.
"""

from __future__ import annotations

from django.db import transaction

from lofte.accounts.models import User
from lofte.demo.data import load
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.situation.lagesbild.actions import do_add_problem, do_add_source, do_create_lagesbild, do_link_series
from lofte.situation.models import Lagesbild

DATA = load("lagesbild")


def load_demo_lagesbild() -> Lagesbild | None:
    """Add the draft once; a lägesbild that already exists is left as the users have made it."""
    author = User.objects.filter(email=DATA["author"]).first()
    if author is None:
        return None
    access = get_partnership_for_user(author, DATA["partnership"], Can.EDIT)
    existing = Lagesbild.objects.filter(partnership=access.partnership).order_by("version").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        lagesbild = do_create_lagesbild(
            access,
            title=DATA["title"],
            year_from=DATA["year_from"],
            year_to=DATA["year_to"],
            summary=DATA["summary"],
            actor=author,
        )
        for source in DATA["sources"]:
            do_add_source(access, lagesbild, actor=author, **source)
        for spec in DATA["problems"]:
            fields = {key: value for key, value in spec.items() if key != "series"}
            problem = do_add_problem(access, lagesbild, actor=author, **fields)
            for metric in spec["series"]:
                do_link_series(access, problem, metric, DATA["kommun"], actor=author)
    return lagesbild
