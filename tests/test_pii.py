"""Screening of free text for personnummer, phone numbers and e-mail addresses."""

from __future__ import annotations

import itertools

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
    assert find_personal_data("Vi ses @ skolan, ca 20 st @ 50 kr, eller anna@localhost.") == []


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
