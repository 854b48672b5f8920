"""Screening of free text for personnummer, phone numbers and e-mail addresses."""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.lib.pii import Finding, describe, find_personal_data, redact


def with_check_digit(nine: str) -> str:
    """The nine digits followed by their Luhn check digit, as Skatteverket computes it."""
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (1 if index % 2 else 2)
        total += value - 9 if value > 9 else value
    return nine + str((10 - total % 10) % 10)


def wrong_check_digit(nine: str) -> str:
    valid = with_check_digit(nine)
    return nine + str((int(valid[-1]) + 1) % 10)


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


def found(text: str) -> list[str]:
    return [finding.text for finding in find_personal_data(text)]


def test_it_agrees_with_well_known_test_numbers() -> None:
    assert with_check_digit("121212121") == "1212121212"
    assert with_check_digit("811218987") == "8112189876"
    assert with_check_digit("701063239") == "7010632391"


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1212",
        "121212-1212",
        "121212+1212",
        "191212121212",
        "1212121212",
        "19121212 1212",
        "121212 1212",
        "811218-9876",
        "19811218-9876",
        "20" + with_check_digit("071231123")[:6] + "-" + with_check_digit("071231123")[6:],
        "000229-" + with_check_digit("000229123")[6:],
    ],
)
def test_it_finds_a_personnummer_in_every_form(number: str) -> None:
    text = f"Anmälan gäller {number}, som hördes i går."
    assert find_personal_data(text) == [Finding("personnummer", 15, 15 + len(number), number)]


@pytest.mark.parametrize("number", ["701063-2391", "19701063-2391", "7010632391", "20" + with_check_digit("120391555")])
def test_it_finds_a_samordningsnummer(number: str) -> None:
    assert kinds(f"Samordningsnummer {number}.") == ["samordningsnummer"]


@pytest.mark.parametrize(
    "number",
    [
        "19121212-1213",
        "121212-1211",
        "191212121210",
        wrong_check_digit("811218987"),
        "ordernummer 4711042207",  # a ten-digit number that is a valid date but fails Luhn
    ],
)
def test_it_does_not_flag_a_number_that_fails_the_luhn_check(number: str) -> None:
    assert kinds(number) == []


@pytest.mark.parametrize(
    "nine",
    [
        "121312121",  # month 13
        "120231123",  # 31 February
        "130229123",  # 29 February 1913 and 2013
        "121292123",  # day 92 is past any samordningsnummer
        "121260123",  # day 60 is neither
        "121200123",  # day 0
    ],
)
def test_it_does_not_flag_a_number_whose_date_does_not_exist(nine: str) -> None:
    number = with_check_digit(nine)
    assert kinds(f"{number[:6]}-{number[6:]}") == []
    assert kinds(number) == []


def test_it_does_not_flag_a_long_form_with_an_unlikely_century() -> None:
    number = with_check_digit("121212121")
    assert kinds(f"35{number[:6]}-{number[6:]}") == []
    assert kinds(f"19{number[:6]}+{number[6:]}") == []


def test_it_does_not_flag_a_personnummer_inside_a_longer_number() -> None:
    assert kinds("Referens 9191212121212 och 1212121212345.") == []


@pytest.mark.parametrize(
    "number",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "070-1234567",
        "073–123 45 67",
        "+46 70 123 45 67",
        "+46701234567",
        "+46 (0)70-123 45 67",
        "0046 70 123 45 67",
        "0046701234567",
        "0142-123 45",
        "08-123 456 78",
        "08-12 34 56",
        "013-12 34 56",
        "013 12 34 56",
        "(08) 123 456 78",
        "+46 8 123 456 78",
        "08/123 45 67",
        "070\u00a0123\u00a045\u00a067",
    ],
)
def test_it_finds_a_phone_number(number: str) -> None:
    text = f"Ring {number} efter klockan fem."
    assert find_personal_data(text) == [Finding("telefon", 5, 5 + len(number), number)]


def test_it_finds_a_phone_number_at_the_edges_of_the_text() -> None:
    assert found("070-123 45 67") == ["070-123 45 67"]
    assert found("Tel:08-123 456 78.") == ["08-123 456 78"]


def test_it_ends_a_phone_number_before_a_number_that_follows_it() -> None:
    assert found("Ring 070-123 45 67 12 gånger.") == ["070-123 45 67"]
    assert found("Ring +46 70 123 45 67 12 gånger.") == ["+46 70 123 45 67"]


@pytest.mark.parametrize(
    "text",
    [
        "Under 2025 ökade anmälningarna.",
        "Händelsen inträffade 2025-08-14 vid skolan.",
        "Händelsen inträffade 2025-08-14 14:30 vid skolan.",
        "Mellan 08:00 och 17:30.",
        "Kommunkod 0586 är Mjölby.",
        "Kommun 0586 2025 hade fler anmälningar.",
        "Kommun 0586-2025-123.",
        "Skadan kostade 12 500 kr.",
        "Kommun 0586 12 500 kr.",
        "Totalt 1 234 567 kronor.",
        "Antal anmälningar 2875.",
        "Ring 112 eller 114 14.",
        "Postnummer 595 30 Mjölby.",
        "Kl. 08 30 samlas vi.",
        "Möte 05 12 2025.",
        "Organisationsnummer 212000-0142.",
        "Ärende 1234567 och 070-123.",
    ],
)
def test_it_does_not_flag_numbers_that_are_not_phone_numbers(text: str) -> None:
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "address",
    ["anna.andersson@mjolby.se", "a+test@polisen.se", "kalle_k@mail.example.com", "åsa@exempel.nu"],
)
def test_it_finds_an_email_address(address: str) -> None:
    assert found(f"Kontakt: {address}. Tack!") == [address]


def test_it_does_not_flag_an_at_sign_that_is_not_an_address() -> None:
    assert find_personal_data("Vi ses @ skolan, ca 20 st @ 50 kr, kl@10.30 eller 20st@50kr.") == []


def test_it_returns_findings_in_order_and_without_overlap() -> None:
    text = "Mejla 0701234567@example.se eller ring 0701234567, pnr 19121212-1212."
    findings = find_personal_data(text)
    assert [(finding.kind, finding.text) for finding in findings] == [
        ("epost", "0701234567@example.se"),
        ("telefon", "0701234567"),
        ("personnummer", "19121212-1212"),
    ]
    assert all(text[finding.start : finding.end] == finding.text for finding in findings)


def test_it_redacts_and_keeps_the_surrounding_text() -> None:
    text = "Pojken (121212-1212) ringde 070-123 45 67 och mejlade anna@example.se i går."
    assert redact(text) == (
        "Pojken ([personnummer borttaget]) ringde [telefonnummer borttaget] och mejlade [e-postadress borttagen] i går."
    )


def test_it_redacts_a_samordningsnummer_as_such() -> None:
    assert redact("Nr 701063-2391.") == "Nr [samordningsnummer borttaget]."


def test_it_leaves_text_without_findings_unchanged() -> None:
    text = "Under 2025-08-14 kl 14:30 kostade det 12 500 kr i kommun 0586."
    assert redact(text) == text


def test_it_redacts_what_the_first_redaction_uncovers() -> None:
    # The second address starts inside what the first one's local part could have been.
    assert redact("anna@example.se+bo@example.se") == "[e-postadress borttagen][e-postadress borttagen]"


def test_it_describes_one_finding() -> None:
    assert describe(find_personal_data("Pnr 19121212-1212.")) == (
        "Texten innehåller ett personnummer. Ta bort det: Löfte får inte spara personuppgifter om enskilda."
    )
    assert describe(find_personal_data("Mejl: anna@example.se")) == (
        "Texten innehåller en e-postadress. Ta bort den: Löfte får inte spara personuppgifter om enskilda."
    )


def test_it_describes_several_findings() -> None:
    text = "19121212-1212, anna@example.se"
    assert describe(find_personal_data(text)) == (
        "Texten innehåller ett personnummer och en e-postadress. "
        "Ta bort dem: Löfte får inte spara personuppgifter om enskilda."
    )
    text = "070-123 45 67, 08-123 456 78, a@example.se, b@example.se, 701063-2391"
    assert describe(find_personal_data(text)) == (
        "Texten innehåller ett samordningsnummer, två telefonnummer och två e-postadresser. "
        "Ta bort dem: Löfte får inte spara personuppgifter om enskilda."
    )


def test_it_counts_many_findings_in_words_and_then_in_digits() -> None:
    assert describe([Finding("telefon", 0, 1, "x")] * 3).startswith("Texten innehåller tre telefonnummer.")
    assert describe([Finding("epost", 0, 1, "x")] * 14).startswith("Texten innehåller 14 e-postadresser.")


def test_it_describes_nothing_as_an_empty_string() -> None:
    assert describe([]) == ""


SAMPLES = [
    "19121212-1212",
    "121212+1212",
    "7010632391",
    "070-123 45 67",
    "+46 (0)8-123 456 78",
    "0046701234567",
    "anna@example.se",
    "2025-08-14",
    "12 500 kr",
    "[personnummer borttaget]",
]
PIECES = st.one_of(st.sampled_from(SAMPLES), st.text(alphabet="0123456789 -–+@.()[]:/,\u00a0aeåkrs\n", max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join) | st.text(max_size=200))
def test_it_never_fails_overlaps_or_leaves_anything_after_redaction(text: str) -> None:
    findings = find_personal_data(text)
    assert findings == sorted(findings, key=lambda finding: finding.start)
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start
    assert all(text[finding.start : finding.end] == finding.text for finding in findings)
    redacted = redact(text)
    assert find_personal_data(redacted) == []
    assert redact(redacted) == redacted


# Spellings that people type, paste from Word or from a phone, or use to get past a filter.

PNR = "850709-9805"  # the number that reached a public page written with an en dash


@pytest.mark.parametrize(
    "spelling",
    [
        "850709–9805",  # en dash, what Word's autocorrect makes of "-"
        "850709—9805",  # em dash
        "850709\u22129805",  # minus sign
        "850709\u20119805",  # non-breaking hyphen
        "850709\u00a09805",  # non-breaking space
        "850709\u20099805",  # thin space
        "850709\u202f9805",  # narrow non-breaking space
        "850709   9805",
        "850709.9805",
        "850709/9805",
        "850709_9805",
        "850709-\n9805",
        "850709\r\n-9805",
        "850709\u200b-9805",  # zero-width space
        "8507\u200d09-98\u200c05",  # zero-width joiner and non-joiner
        "850\u00ad709-9805",  # soft hyphen
        "8507\ufeff09-9805",  # byte-order mark (a word joiner)
        "85 07 09-9805",
        "850709-98 05",
        "85 07 09 98 05",
        "850709 - 9805",
        "19850709 – 9805",
        "1985 07 09-9805",
        "８５０７０９－９８０５",  # full-width digits and hyphen
        "８５０７０９\u30009805",  # ideographic space
        "85O7O9-98O5",  # letter O for zero
        "85o7o9-98o5",
        "850709‐9805",  # hyphen
        "850709﹣9805",  # small hyphen-minus
    ],
)
def test_it_finds_a_personnummer_in_every_spelling(spelling: str) -> None:
    text = f"kontakt {spelling} efter mötet"
    assert find_personal_data(text) == [Finding("personnummer", 8, 8 + len(spelling), spelling)]
    assert redact(text) == "kontakt [personnummer borttaget] efter mötet"


@pytest.mark.parametrize(
    "spelling",
    [
        "070.123.45.67",
        "070.1234567",
        "08.123 456 78",
        "070–123 45 67",
        "070—123\u00a045\u00a067",
        "070\u2212123 45 67",
        "070 123  45  67",
        "46701234567",
        "46 70 123 45 67",
        "46-70-123 45 67",
        "46 8 123 456 78",
        "46 13 12 34 56",
        "46-13-123 45 67",
        "46 31.12.34.56",
        "46 480 123 45",
        "+46 70.123.45.67",
        "＋４６ ７０ １２３ ４５ ６７",
        "O70-123 45 67",
        "070-123\u200b45\u200b67",
        "070-\n123 45 67",
    ],
)
def test_it_finds_a_phone_number_in_every_spelling(spelling: str) -> None:
    text = f"Ring {spelling} efter klockan fem."
    assert find_personal_data(text) == [Finding("telefon", 5, 5 + len(spelling), spelling)]


@pytest.mark.parametrize(
    "spelling",
    [
        "anna [at] mjolby.se",
        "anna[at]mjolby.se",
        "anna (at) mjolby.se",
        "anna [AT] mjolby [dot] se",
        "anna [snabel-a] mjolby [punkt] se",
        "anna @ mjolby.se",
        "anna @mjolby.se",
        "anna＠mjolby.se",
        "anna ＠ mjolby．se",
        "anna@mjolby",
        "anna\u00a0@\u00a0mjolby.se",
        "an\u200bna@mjolby.se",
    ],
)
def test_it_finds_an_email_address_in_every_spelling(spelling: str) -> None:
    text = f"Mejla {spelling} i morgon."
    assert find_personal_data(text) == [Finding("epost", 6, 6 + len(spelling), spelling)]


def test_every_dash_space_and_invisible_character_is_read_as_such() -> None:
    # All of Unicode's dashes (Pd), spaces (and line breaks) and invisible format characters (Cf).
    characters = [chr(code) for code in range(sys.maxunicode + 1)]
    for dash in [c for c in characters if unicodedata.category(c) == "Pd"] + ["\u2212"]:
        assert kinds(f"pnr 850709{dash}9805") == ["personnummer"], hex(ord(dash))
    for space in [c for c in characters if c.isspace()]:
        assert kinds(f"pnr 850709{space}9805") == ["personnummer"], hex(ord(space))
    for invisible in [c for c in characters if unicodedata.category(c) == "Cf"]:
        assert kinds(f"pnr 8507{invisible}09-98{invisible}05") == ["personnummer"], hex(ord(invisible))


def test_it_reads_the_letter_o_as_zero_only_inside_a_run_of_digits() -> None:
    assert kinds("Polisområde Öst, Zoo 2 och O-ringen 2025, Oskarsgatan 10") == []
    assert kinds("Foo85O7O9-98O5") == []  # glued to a word: not a run of digits of its own
    assert kinds("pnr 850709-OOOO") == []  # no digit in the run: letters
    assert kinds("850709-98O5") == ["personnummer"]


def test_it_does_not_take_a_row_of_figures_for_a_personnummer_in_pairs() -> None:
    assert kinds("Per månad: 12 12 12 12 12 14 anmälningar.") == []
    assert kinds("Per månad: 3 12 12 12 12 12.") == []
    assert kinds("Nummer 12 12 12 12 12.") == ["personnummer"]


def _personnummer(born: date, serial: int, *, samordning: bool) -> str:
    day = born.day + 60 if samordning else born.day
    return with_check_digit(f"{born:%y%m}{day:02d}{serial:03d}")


IDENTITIES = st.builds(
    _personnummer,
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(0, 999),
    samordning=st.booleans(),
)
DASHES = ["-", "–", "—", "\u2212", "\u2011", "\u2010", "\uff0d"]
SPACES = [" ", "\u00a0", "\u2009", "\u202f", "  ", "\n", "\r\n", "\u3000"]
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
FULL_WIDTH = str.maketrans("0123456789-+@.", "０１２３４５６７８９－＋＠．")


@st.composite
def spelled_identity(draw: st.DrawFn) -> tuple[str, str]:
    """A valid personnummer or samordningsnummer, written the way a person might."""
    number = draw(IDENTITIES)
    date_part, serial = number[:6], number[6:]
    if draw(st.booleans()):
        century = "19" if int(date_part[:2]) > 25 else draw(st.sampled_from(["19", "20"]))
        date_part = century + date_part if century == "19" or int(date_part[:2]) <= 25 else date_part
    if draw(st.booleans()):  # spaces between the pairs of the date or the serial
        date_part = " ".join(date_part[i : i + 2] for i in range(0, len(date_part), 2))
        serial = draw(st.sampled_from([serial, f"{serial[:2]} {serial[2:]}"]))
    separator = draw(st.sampled_from(["", *DASHES, *SPACES, ".", "/", "_", " - ", " – ", "-\n", "\n-"]))
    spelled = date_part + separator + serial
    if draw(st.booleans()):  # the letter O for zero, in each run of digits that keeps a digit of its own
        letter = draw(st.sampled_from(["O", "o"]))
        spelled = re.sub(
            r"\d+", lambda run: run.group().replace("0", letter) if run.group().strip("0") else run.group(), spelled
        )
    if draw(st.booleans()):
        spelled = spelled.translate(FULL_WIDTH)
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(1, len(spelled) - 1))
        spelled = spelled[:where] + draw(st.sampled_from(INVISIBLES)) + spelled[where:]
    return number, spelled


@settings(max_examples=400, deadline=None)
@given(
    spelled_identity(),
    st.sampled_from(["kontakt ", "Pojken, ", "(", "Nr: ", ""]),
    st.sampled_from([".", " i går", ")", ""]),
)
def test_it_finds_every_spelling_of_a_generated_personnummer(
    identity: tuple[str, str], before: str, after: str
) -> None:
    number, spelled = identity
    expected = "samordningsnummer" if int(number[4:6]) > 60 else "personnummer"
    text = before + spelled + after
    assert find_personal_data(text) == [Finding(expected, len(before), len(before) + len(spelled), spelled)]


@st.composite
def spelled_phone(draw: st.DrawFn) -> str:
    """A Swedish mobile number, written the way a person might."""
    prefix = draw(st.sampled_from(["70", "72", "73", "76", "79"]))
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=7, max_size=7)))
    gap = draw(st.sampled_from([" ", ".", "-", "\u00a0", "–"]))
    grouped = draw(st.sampled_from([rest, f"{rest[:3]}{gap}{rest[3:5]}{gap}{rest[5:]}", f"{rest[:3]}{gap}{rest[3:]}"]))
    lead = draw(st.sampled_from(["0", "+46 ", "+46", "46", "46 ", "0046 ", "+46 (0)"]))
    spelled = (
        lead
        + prefix
        + draw(st.sampled_from(["-", "–", " ", ".", "/", "—"] if lead == "0" else [" ", "", "-"]))
        + grouped
    )
    if draw(st.booleans()):
        spelled = spelled.translate(FULL_WIDTH)
    return spelled


@settings(max_examples=300, deadline=None)
@given(spelled_phone())
def test_it_finds_every_spelling_of_a_generated_phone_number(spelled: str) -> None:
    text = f"Ring {spelled} i kväll."
    assert find_personal_data(text) == [Finding("telefon", 5, 5 + len(spelled), spelled)]


LOCAL = st.from_regex(r"[a-zåäö][a-zåäö0-9]{1,8}(?:[._][a-z]{1,8})?", fullmatch=True)
LABEL = st.from_regex(r"[a-z][a-z0-9\-]{0,10}[a-z0-9]", fullmatch=True)


@st.composite
def spelled_email(draw: st.DrawFn) -> str:
    local, host = draw(LOCAL), draw(LABEL)
    domain = (
        host
        if draw(st.booleans()) and any(c.isalpha() for c in host[1:])
        else host + draw(st.sampled_from([".se", ".nu", ".com", ".example.org", " [dot] se", "(punkt)se"]))
    )
    at = draw(st.sampled_from(["@", " @ ", "＠", " ＠ ", " [at] ", "[at]", " (at) ", " [snabel-a] ", "@ ", " @"]))
    if " " in at and "." not in domain and "dot" not in domain and "punkt" not in domain and "[" not in at:
        domain += ".se"  # with spaces around a plain @ only a dotted domain counts ("vi ses @ skolan")
    return local + at + domain


@settings(max_examples=300, deadline=None)
@given(spelled_email())
def test_it_finds_every_spelling_of_a_generated_email_address(spelled: str) -> None:
    text = f"Mejla {spelled} i morgon."
    assert find_personal_data(text) == [Finding("epost", 6, 6 + len(spelled), spelled)]


ORDINARY = Path(__file__).parent / "fixtures" / "pii_ordinary_sv.txt"


def ordinary_texts() -> list[str]:
    lines = ORDINARY.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_corpus_of_ordinary_texts_is_large_enough() -> None:
    assert len(ordinary_texts()) >= 60


@pytest.mark.parametrize("text", ordinary_texts())
def test_it_refuses_no_ordinary_text_with_numbers(text: str) -> None:
    assert find_personal_data(text) == []


def test_the_corpus_passes_as_one_text_with_its_line_breaks_too() -> None:
    assert find_personal_data("\n".join(ordinary_texts())) == []


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000 + "a",
        "1 " * 50_000,
        " " * 100_000 + "x",
        "a." * 50_000 + "@",
        "a" * 100_000 + " @ " + "b." * 1_000,
        "0O" * 50_000 + "x",
        "\u200b" * 100_000,
        " [" * 50_000,
        "070-" * 25_000,
    ],
)
def test_it_reads_long_adversarial_texts(text: str) -> None:
    # No pattern may backtrack over a run again from every position in it; these would then take hours.
    find_personal_data(text)
