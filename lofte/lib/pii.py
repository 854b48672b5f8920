"""Screening of Swedish free text for personal data before it is saved.

Incident reports and dialogue notes must not hold personal data about individuals. This module finds
the kinds that have a recognisable shape:

- personnummer and samordningsnummer (the day plus 60) in the forms YYYYMMDD-NNNN, YYMMDD-NNNN,
  YYMMDD+NNNN, YYYYMMDDNNNN and YYMMDDNNNN, with a space, dot, slash or underscore instead of the dash,
  spaces around it, and a space between the pairs of the date or the serial (850709 98 05, 85 07 09-9805);
- Swedish phone numbers, mobile and landline, national (070-123 45 67, 08-123 456 78, 070.123.45.67) or
  international (+46 70 123 45 67, 0046 …, or as 46 70 …, 46 8 … or 46 13 12 34 56 without plus or zero, a
  landline in that form only in groups and not in a row of figures),
  8 to 10 digits in the national form;
- e-mail addresses, also with spaces around the @ (anna @ mjolby.se), written as [at], (at) or
  [snabel-a] and [dot] or [punkt], or without a dot in the domain (anna@mjolby).

Before matching, the text is normalised, because what people paste or type is rarely plain ASCII: Unicode
NFKC (full-width digits, @ and punctuation become their ASCII selves), every dash and minus (en dash from
Word's autocorrect, em dash, U+2212, the non-breaking hyphen) becomes "-", every space and line break
(non-breaking, thin, ideographic, several in a row) becomes one space, invisible characters (zero-width
spaces and joiners, soft hyphens, direction marks, byte-order marks) are dropped, and a letter O in a run of
digits and O's that holds a digit and touches no other letter becomes a zero (85O7O9, not "Zoo 2"). Findings are reported at their place in the text as
written, so a redaction removes the invisible characters with the number.

A number counts as a personnummer only if its date exists and its last digit is the Luhn check digit
over the ten-digit form. Reports are full of order numbers, case numbers and counts; without the check
one in every few ten-digit numbers would be refused for no reason, and staff would learn to ignore the
warning. `_identity_kind` is the one place to relax if a "looks like a personnummer" mode is wanted.
Organisation numbers (a month of 20 or more) fail the date check and stay allowed; they are public.

Why this is written here rather than taken from a library: the libraries for Swedish numbers
(`personnummer`, `python-stdnum`'s `se.personnummer`) validate a string that is already known to be one
number; they do not find numbers in running text, and the finding, with the spellings above, is the hard
part. Google's `phonenumbers` has a matcher for text, but it does not know the Swedish ways of writing a
number without its plus or with dots, and as a general matcher it takes amounts and counts for numbers.
The Luhn and date checks are a dozen lines. Every pattern is linear: bounded or possessive repetition,
and a repetition that could restart inside a run starts only at the run's beginning.

What it cannot find: names, addresses, licence plates, or descriptions that identify someone ("the
oldest son of the family on the corner"). Names in particular are not detected at all, so every form
that uses this screening must still remind the writer not to name individuals.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import re
import unicodedata
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


# Unicode's dash punctuation (category Pd), and the minus signs and hyphen look-alikes that are not in it.
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32"
    "\ufe58\ufe63\uff0d\U00010ead\u2212\u2043\u02d7\u207b\u208b\u2796"
)
# Unicode's invisible format characters (category Cf): zero-width spaces and joiners, the soft hyphen,
# direction marks, the byte-order mark; and the variation selectors and fillers that show as nothing.
_INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f"
    "\u3164\ufe00-\ufe0f\uffa0"
)
_DASH = re.compile(f"[{_DASHES}]")

# What normalisation rewrites, each starting where a run starts so that no run is scanned twice.
_REWRITE = re.compile(
    rf"""
      (?P<at>(?<!\s)\s*+[\[({{<]\s*+(?:at|snabel-?a)\s*+[\])}}>]\s*+)
    | (?P<dot>(?<!\s)\s*+[\[({{<]\s*+(?:dot|punkt)\s*+[\])}}>]\s*+)
    | (?P<space>[\s{_INVISIBLE}]+)
    | (?P<cluster>[^\s][\u0300-\u036f]+|[^\x00-\x7f])
    """,
    re.VERBOSE | re.IGNORECASE,
)

# A run of digits with a letter O in it (85O709, O70): not touching a letter, holding at least one digit.
_O_IN_DIGITS = re.compile(r"(?<![^\W_])(?=[Oo]*+[0-9])[0-9Oo]++(?![^\W_])")
_O_TO_ZERO = str.maketrans("Oo", "00")


class _Normalised:
    """The text as matched (see the module docstring), and the way back from its positions to the text's own."""

    def __init__(self, text: str) -> None:
        self.text = text
        pieces: list[str] = []
        # Per piece of the normalised text: where it starts there, where it starts and ends in the text, and
        # whether it is a copy (positions inside map one to one) or a rewrite (it maps to the whole original).
        self._starts: list[int] = []
        self._pieces: list[tuple[int, int, bool]] = []
        length = position = 0
        for match in _REWRITE.finditer(text):
            replacement = _replacement(match)
            if replacement == match.group():
                continue
            length = self._add(pieces, text[position : match.start()], length, position, match.start(), copy=True)
            length = self._add(pieces, replacement, length, match.start(), match.end(), copy=False)
            position = match.end()
        self._add(pieces, text[position:], length, position, len(text), copy=True)
        joined = "".join(pieces)
        self.value = (
            _O_IN_DIGITS.sub(lambda m: m.group().translate(_O_TO_ZERO), joined) if "o" in joined.lower() else joined
        )

    def _add(self, pieces: list[str], piece: str, length: int, start: int, end: int, *, copy: bool) -> int:
        if piece:
            pieces.append(piece)
            self._starts.append(length)
            self._pieces.append((start, end, copy))
        return length + len(piece)

    def finding(self, kind: Kind, start: int, end: int) -> Finding:
        """The finding at `start:end` of the normalised text, placed in the text as written."""
        first, last = self._locate(start), self._locate(end - 1)
        origin_start = first[0] + (start - first[1]) if first[2] else first[0]
        origin_end = last[0] + (end - last[1]) if last[2] else last[3]
        return Finding(kind, origin_start, origin_end, self.text[origin_start:origin_end])

    def _locate(self, index: int) -> tuple[int, int, bool, int]:
        piece = bisect.bisect_right(self._starts, index) - 1
        start, end, copy = self._pieces[piece]
        return start, self._starts[piece], copy, end


def _replacement(match: re.Match[str]) -> str:
    if match["at"] is not None:
        return "@"
    if match["dot"] is not None:
        return "."
    if match["space"] is not None:
        return " " if any(char.isspace() for char in match.group()) else ""
    return _fold(match.group())


@functools.lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    folded = _DASH.sub("-", unicodedata.normalize("NFKC", cluster))
    return " " if folded.isspace() else folded


# Optional spaces are single: normalisation has made every run of spaces one.
_SEPARATOR = r"(?P<sep>\ ?[-+./_]\ ?|\ )?"
_SERIAL = r"(?P<serial>\d\d\ ?\d\d)(?!\d)"
_LONG_IDENTITY = re.compile(rf"(?P<date>\d\d\ ?\d\d\ ?\d\d\ ?\d\d){_SEPARATOR}{_SERIAL}", re.VERBOSE)
_SHORT_IDENTITY = re.compile(rf"(?P<date>\d\d\ ?\d\d\ ?\d\d){_SEPARATOR}{_SERIAL}", re.VERBOSE)
_RUN_START = re.compile(r"(?<!\d)\d")
_NUMBER_BEFORE = re.compile(r"\d ?\Z")
_NUMBER_AFTER = re.compile(r" ?\d")
_ROW_AFTER = re.compile(r"[ .\-/]?\d")

# The separators people put in phone numbers: a dash, a dot, a space; a slash after the area code. The groups of
# the subscriber number share one separator, or a time such as 08.00-16.30 would be a number.
_PHONE = re.compile(
    r"""
    (?<![\w+\-./,])
    (?:
        (?P<international>(?:\+\ ?|00\ ?)46[ .\-]?(?:\(0\)[ .\-]?)?[1-9](?:[ .\-]?\d){6,8})
      | (?P<bare>46[ .\-]?(?:\(0\)[ .\-]?)?(?:7[02369](?:[ .\-]?\d){7}|8(?:[ .\-]?\d){7,8}))
      | 46[ .\-](?:\(0\)[ .\-]?)?
        (?P<landline>[1-9]\d{0,2}[ .\-/]\d{2,3}(?P<lgap>[ .\-])\d{2,3}(?:(?P=lgap)\d{2,3}){0,2})
      | (?P<area>0[1-9]\d{0,2}|\(0[1-9]\d{0,2}\))
        (?:\ ?[-/.]\ ?|\ )
        (?P<subscriber>\d{3}[ .\-]\d{4}|\d{2,8}(?:(?P<gap>[ .\-])\d{2,3}(?:(?P=gap)\d{2,3}){0,3})?)
      | (?P<unbroken>0[1-9]\d{6,8})
    )
    (?!-?\d)
    """,
    re.VERBOSE,
)

_AMOUNT_AFTER = re.compile(r" ?(?:kr\b|kronor\b|sek\b|:-)", re.IGNORECASE)

# An address written tight may lack a dot in its domain (anna@mjolby); one with spaces around the @ must have
# one, or "vi ses @ skolan" would be an address.
_EMAIL = re.compile(
    r"""
    (?<![\w.+\-])[\w.+\-]++
    (?:
        @(?P<tight>[\w\-]++(?:\.[\w\-]++)*+)
      | \ ?@\ ?(?P<spaced>[\w\-]++(?:\.[\w\-]++)++)
    )
    """,
    re.VERBOSE,
)
_TOP_LEVEL = re.compile(r"[^\W\d_]{2,}")
_HOST = re.compile(r"[^\W\d_][\w\-]+")

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
    """Every personnummer, samordningsnummer, phone number and e-mail address, by position, none overlapping.

    Positions are in `text` as written; matching is on its normalised form (see the module docstring)."""
    normalised = _Normalised(text)
    value = normalised.value
    candidates = [*_find_identity_numbers(value), *_find_phone_numbers(value), *_find_emails(value)]
    candidates.sort(key=lambda f: (f[1], f[1] - f[2], _PRIORITY[f[0]]))
    findings: list[Finding] = []
    end = 0
    for kind, start, stop in candidates:
        if not findings or start >= end:
            findings.append(normalised.finding(kind, start, stop))
            end = stop
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


Candidate = tuple[Kind, int, int]


def _find_identity_numbers(text: str) -> Iterator[Candidate]:
    end = 0
    for run in _RUN_START.finditer(text):
        if run.start() < end:
            continue
        for pattern in (_LONG_IDENTITY, _SHORT_IDENTITY):
            match = pattern.match(text, run.start())
            kind = match and _identity_kind(match["date"], match["sep"] or "", match["serial"])
            if match and kind and not _in_a_row_of_numbers(text, match):
                yield kind, match.start(), match.end()
                end = match.end()
                break


def _in_a_row_of_numbers(text: str, match: re.Match[str]) -> bool:
    """A number written in pairs ("12 12 12 12 12") is a personnummer only if no number stands right beside it:
    in a row of figures from a table the pairs are counts."""
    if " " not in match["date"] + match["serial"]:
        return False
    return bool(_NUMBER_BEFORE.search(text, 0, match.start()) or _NUMBER_AFTER.match(text, match.end()))


def _identity_kind(date: str, sep: str, serial: str) -> Kind | None:
    """personnummer or samordningsnummer if the date exists and the Luhn check digit fits, else None."""
    date, serial = date.replace(" ", ""), serial.replace(" ", "")
    if len(date) == 8 and sep.strip() == "+":  # "+" marks a short form for someone over 100; never with a century
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


def _find_phone_numbers(text: str) -> Iterator[Candidate]:
    for match in _PHONE.finditer(text):
        if _AMOUNT_AFTER.match(text, match.end()):
            continue
        end = match.end()
        if match["subscriber"]:
            end = _phone_end(match)
        elif match["landline"] and not _is_bare_landline(text, match):
            continue
        if end:
            yield "telefon", match.start(), end


def _phone_end(match: re.Match[str]) -> int:
    """Where a number written as area code and subscriber number ends, or 0 if it is not one."""
    area_digits = _digits(match["area"])
    groups = re.split(r"[ .\-]", match["subscriber"])
    # A group of digits after a complete number ("ring 070-123 45 67 12 gånger") is not part of it.
    while len(groups) > 1 and area_digits + _digits("".join(groups)) > 10:
        groups.pop()
    subscriber_digits = _digits("".join(groups))
    if not (5 <= subscriber_digits <= 8 and 8 <= area_digits + subscriber_digits <= 10):
        return 0
    return match.start("subscriber") + subscriber_digits + len(groups) - 1


def _is_bare_landline(text: str, match: re.Match[str]) -> bool:
    """A landline written as 46 and area code without plus or zero ("46 13 12 34 56"): its area code and subscriber
    number hold 7 to 9 digits, and it is not one of a row of figures (a number right before or after it)."""
    if not 7 <= _digits(match["landline"]) <= 9:
        return False
    return not (_NUMBER_BEFORE.search(text, 0, match.start()) or _ROW_AFTER.match(text, match.end()))


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _find_emails(text: str) -> Iterator[Candidate]:
    for match in _EMAIL.finditer(text):
        domain = match["tight"] or match["spaced"]
        # A dotted domain ends in letters (not "kl@10.30"); an undotted one is a name (not "20st@50kr").
        if _TOP_LEVEL.fullmatch(domain.rsplit(".", 1)[-1]) if "." in domain else _HOST.fullmatch(domain):
            yield "epost", match.start(), match.end()


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
