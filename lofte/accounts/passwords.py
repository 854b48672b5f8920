"""A password built from a guessable word is refused, however it is dressed up (OWASP ASVS 2.1.7).

Django's `CommonPasswordValidator` compares the whole password with its list, so `Sommar2024!` and `S0mmar2024`
pass it. This validator (hand-written: the libraries on the registry ask an online service, which a kommun's
server may not reach and which would see a hash prefix of every new password) looks up what is left when digits
and signs are taken off both ends and leetspeak is read as letters, with and without å, ä and ö, in two shipped
lists (lofte/accounts/data/SOURCES.md): a list of breached passwords and a list of Swedish words and names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DATA = Path(__file__).resolve().parent / "data"
# Digits, signs and spaces before and after the word: "2024", "!", "123!", "#1".
ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i", "+": "t"}
# "1" stands for i as often as for l: "L1sa", "Pu11e".
READINGS = (str.maketrans({**LEET, "1": "i", "|": "i"}), str.maketrans({**LEET, "1": "l", "|": "l"}))


def fold(word: str) -> str:
    """Lower case without accents or separators: "Mjölby" and "mjolby", "Upplands Väsby" and "upplandsvasby"."""
    plain = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in plain if char.isalnum() and not unicodedata.combining(char))


@cache
def listed(name: str) -> frozenset[str]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return frozenset(fold(line) for line in lines if line.strip() and not line.startswith("#")) - {""}


def cores(password: str) -> set[str]:
    """The word a password may be built from: as typed, without digits and signs at its ends, leetspeak read."""
    typed = password.strip().lower()
    found = {typed, ENDS.sub("", typed)}
    found |= {word.translate(reading) for word in found for reading in READINGS}
    return {folded for word in found if (folded := fold(word))}


class GuessablePasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        words = cores(password)
        if words & listed("swedish-words.txt"):
            raise ValidationError(
                _(
                    "Lösenordet är ett vanligt svenskt ord eller namn med siffror eller tecken före eller efter "
                    "(som ”Sommar2024!”). Sådana prövas först av den som gissar. Välj flera ord som inte hör ihop, "
                    "gärna med mellanslag."
                ),
                code="password_swedish_word",
            )
        if words & listed("breached-passwords.txt"):
            raise ValidationError(
                _(
                    "Lösenordet finns, eventuellt med siffror eller tecken före eller efter, bland de vanligaste "
                    "lösenorden i läckta lösenordslistor. Sådana prövas först av den som gissar. Välj flera ord "
                    "som inte hör ihop, gärna med mellanslag."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Lösenordet får inte vara ett vanligt ord eller namn med siffror eller tecken till.")
