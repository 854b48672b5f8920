"""Screening of Swedish free text for personal data before it is saved.

Incident reports and dialogue notes must not hold personal data about individuals. This module finds
the kinds that have a recognisable shape:

- personnummer and samordningsnummer (the day plus 60) in the forms YYYYMMDD-NNNN, YYMMDD-NNNN,
  YYMMDD+NNNN, YYYYMMDDNNNN and YYMMDDNNNN, with a space allowed instead of the dash;
- Swedish phone numbers, mobile and landline, national (070-123 45 67, 08-123 456 78) or international
  (+46 70 123 45 67, 0046 …), 8 to 10 digits in the national form;
- e-mail addresses.

A number counts as a personnummer only if its date exists and its last digit is the Luhn check digit
over the ten-digit form. Reports are full of order numbers, case numbers and counts; without the check
one in every few ten-digit numbers would be refused for no reason, and staff would learn to ignore the
warning. `_identity_kind` is the one place to relax if a "looks like a personnummer" mode is wanted.

What it cannot find: names, addresses, licence plates, or descriptions that identify someone ("the
oldest son of the family on the corner"). Names in particular are not detected at all, so every form
that uses this screening must still remind the writer not to name individuals.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from lofte.lib.refusals import ActionRefused

Kind = Literal["personnummer", "samordningsnummer", "telefon", "epost"]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    start: int
    end: int
    text: str


_IDENTITY = re.compile(r"(?<!\d)(?P<date>(?:\d{2})?\d{6})(?P<sep>[-+ ]?)(?P<serial>\d{4})(?!\d)")

# The separators people put in phone numbers: a dash (or en dash), a space or a non-breaking space.
_PHONE = re.compile(
    r"""
    (?<![\w+\-–./,])
    (?:
        (?P<international>(?:\+|00)46[ \u00a0\-–]?(?:\(0\)[ \u00a0\-–]?)?[1-9](?:[ \u00a0\-–]?\d){6,8})
      | (?P<area>0[1-9]\d{0,2}|\(0[1-9]\d{0,2}\))
        (?:[ \u00a0]?[-–/][ \u00a0]?|[ \u00a0])
        (?P<subscriber>\d{2,8}(?:[ \u00a0]\d{2,3}){0,4})
      | (?P<unbroken>0[1-9]\d{6,8})
    )
    (?![-–]?\d)
    """,
    re.VERBOSE,
)

_AMOUNT_AFTER = re.compile(r"[ \u00a0]?(?:kr\b|kronor\b|sek\b|:-)", re.IGNORECASE)

_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@(?:[\w\-]+\.)+[^\W\d_]{2,}(?![\w\-])")

# When two findings start at the same place and are as long, a verified personnummer says the most.
_PRIORITY: dict[Kind, int] = {"personnummer": 0, "samordningsnummer": 0, "epost": 1, "telefon": 2}

_PLACEHOLDERS: dict[Kind, str] = {
    "personnummer": "[personnummer borttaget]",
    "samordningsnummer": "[samordningsnummer borttaget]",
    "telefon": "[telefonnummer borttaget]",
    "epost": "[e-postadress borttagen]",
}

# (one, several) for each kind, in the order describe() lists them.
_NOUNS: dict[Kind, tuple[str, str]] = {
    "personnummer": ("ett personnummer", "personnummer"),
    "samordningsnummer": ("ett samordningsnummer", "samordningsnummer"),
    "telefon": ("ett telefonnummer", "telefonnummer"),
    "epost": ("en e-postadress", "e-postadresser"),
}
_NUMBERS = ("två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def find_personal_data(text: str) -> list[Finding]:
    """Every personnummer, samordningsnummer, phone number and e-mail address, by position, none overlapping."""
    candidates = [*_find_identity_numbers(text), *_find_phone_numbers(text), *_find_emails(text)]
    candidates.sort(key=lambda f: (f.start, f.start - f.end, _PRIORITY[f.kind]))
    findings: list[Finding] = []
    for candidate in candidates:
        if not findings or candidate.start >= findings[-1].end:
            findings.append(candidate)
    return findings


def redact(text: str) -> str:
    """The text with each finding replaced by a placeholder such as "[personnummer borttaget]"."""
    # Removing one finding can uncover another (two addresses joined by a "+" or a "."), so
    # repeat until nothing is left. It ends: every finding holds a digit or an "@", placeholders none.
    while findings := find_personal_data(text):
        parts: list[str] = []
        position = 0
        for finding in findings:
            parts += [text[position : finding.start], _PLACEHOLDERS[finding.kind]]
            position = finding.end
        text = "".join([*parts, text[position:]])
    return text


def describe(findings: Iterable[Finding]) -> str:
    """A Swedish sentence for a form that refused the text; empty when nothing was found."""
    counts = {kind: 0 for kind in _NOUNS}
    for finding in findings:
        counts[finding.kind] += 1
    phrases = [_count_phrase(kind, count) for kind, count in counts.items() if count]
    if not phrases:
        return ""
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " och " + phrases[-1]
    total = sum(counts.values())
    pronoun = "dem" if total > 1 else ("den" if counts["epost"] else "det")
    return f"Texten innehåller {listed}. Ta bort {pronoun}: Löfte får inte spara personuppgifter om enskilda."


def _count_phrase(kind: Kind, count: int) -> str:
    one, several = _NOUNS[kind]
    if count == 1:
        return one
    number = _NUMBERS[count - 2] if count - 2 < len(_NUMBERS) else str(count)
    return f"{number} {several}"


def _find_identity_numbers(text: str) -> Iterator[Finding]:
    for match in _IDENTITY.finditer(text):
        kind = _identity_kind(match["date"], match["sep"], match["serial"])
        if kind:
            yield Finding(kind, match.start(), match.end(), match.group())


def _identity_kind(date: str, sep: str, serial: str) -> Kind | None:
    """personnummer or samordningsnummer if the date exists and the Luhn check digit fits, else None."""
    if len(date) == 8 and sep == "+":  # "+" marks a short form for someone over 100; never with a century
        return None
    if not _luhn_valid(date[-6:] + serial):
        return None
    month, day = int(date[-4:-2]), int(date[-2:])
    kind: Kind = "samordningsnummer" if day > 60 else "personnummer"
    day = day - 60 if day > 60 else day
    if len(date) == 8:
        years = [int(date[:4])] if 1800 <= int(date[:4]) <= 2099 else []
    else:
        # Without the century, accept the date if it exists in either (29 February needs a leap year).
        years = [1900 + int(date[:2]), 2000 + int(date[:2])]
    return kind if any(_date_exists(year, month, day) for year in years) else None


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _find_phone_numbers(text: str) -> Iterator[Finding]:
    for match in _PHONE.finditer(text):
        if _AMOUNT_AFTER.match(text, match.end()):
            continue
        end = match.end()
        if match["subscriber"]:
            end = _phone_end(match)
        if end:
            yield Finding("telefon", match.start(), end, text[match.start() : end])


def _phone_end(match: re.Match[str]) -> int:
    """Where a number written as area code and subscriber number ends, or 0 if it is not one."""
    area_digits = _digits(match["area"])
    groups = match["subscriber"].split()
    # A group of digits after a complete number ("ring 070-123 45 67 12 gånger") is not part of it.
    while len(groups) > 1 and area_digits + _digits("".join(groups)) > 10:
        groups.pop()
    subscriber_digits = _digits("".join(groups))
    if not (5 <= subscriber_digits <= 8 and 8 <= area_digits + subscriber_digits <= 10):
        return 0
    return match.start("subscriber") + subscriber_digits + len(groups) - 1


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _find_emails(text: str) -> Iterator[Finding]:
    for match in _EMAIL.finditer(text):
        yield Finding("epost", match.start(), match.end(), match.group())


def refuse_personal_data(
    values: Mapping[str, object], fields: Iterable[str], error: type[ActionRefused] = ActionRefused
) -> None:
    """Refuse the first of `fields` in `values` that holds personal data, naming that field; a list of lines
    (a `LinesField`) is screened as one text. The one screen every action runs on the free text it stores."""
    for name in fields:
        value = values.get(name)
        text = "\n".join(str(line) for line in value) if isinstance(value, list | tuple) else value
        if isinstance(text, str) and (findings := find_personal_data(text)):
            raise error(describe(findings), field=name)
