"""How sure a verdict is, in words a reader can use: the interval of a change and what a table's correction means.

Pages, exports and the API say "mellan −35 % och +12 %" rather than a bare verdict, and a table of many verdicts
says in one sentence that its threshold allows for the number of tests. The numbers come from `lofte/analysis/`
(the interval of a rate ratio, the number of tests in a family); this module only words them, through Django's
i18n, Swedish first.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lofte.lib.formatting import number


def signed_percent(ratio: float) -> str:
    """A rate ratio as a signed percentage change: 0.65 is "−35 %", 1.12 is "+12 %", with a true minus sign."""
    if math.isinf(ratio):
        return "+∞"
    percent = round((ratio - 1) * 100)
    if percent == 0:
        return "0 %"
    return f"{'+' if percent > 0 else '−'}{number(abs(percent))}\u00a0%"


def interval_words(low: float | None, high: float | None) -> str:
    """The interval of a change in words, "mellan −35 % och +12 %"; empty without an interval."""
    if low is None or high is None:
        return ""
    return _("mellan %(low)s och %(high)s") % {"low": signed_percent(low), "high": signed_percent(high)}


def correction_sentence(tests: int, *, strict: bool = False, differences: bool = False) -> str:
    """One sentence for a table of `tests` verdicts whose p-values were adjusted; empty below two tests.

    `strict` is Holm's family-wise control, otherwise Benjamini–Hochberg's false discovery rate; `differences`
    words it for a table of differences between places rather than changes over time."""
    if tests < 2:
        return ""
    if strict:
        text = ngettext(
            "Tabellen prövar %(n)d jämförelse på en gång; gränsen är skärpt (Holm) så att risken att någon av dem "
            "markeras av ren slump är högst 5 %%.",
            "Tabellen prövar %(n)d jämförelser på en gång; gränsen är skärpt (Holm) så att risken att någon av dem "
            "markeras av ren slump är högst 5 %%.",
            tests,
        )
    elif differences:
        text = ngettext(
            "Tabellen prövar %(n)d jämförelse på en gång; gränsen är justerad (Benjamini–Hochberg) så att högst "
            "5 %% av de markerade skillnaderna väntas vara slump.",
            "Tabellen prövar %(n)d jämförelser på en gång; gränsen är justerad (Benjamini–Hochberg) så att högst "
            "5 %% av de markerade skillnaderna väntas vara slump.",
            tests,
        )
    else:
        text = ngettext(
            "Tabellen prövar %(n)d jämförelse på en gång; gränsen är justerad (Benjamini–Hochberg) så att högst "
            "5 %% av de markerade förändringarna väntas vara slump.",
            "Tabellen prövar %(n)d jämförelser på en gång; gränsen är justerad (Benjamini–Hochberg) så att högst "
            "5 %% av de markerade förändringarna väntas vara slump.",
            tests,
        )
    return text % {"n": tests}
