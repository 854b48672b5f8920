"""Passwords (issue 17, point 4): at least 12 characters, not a common, breached or Swedish word dressed up with
digits, signs or leetspeak, wherever a password is set, with a Swedish message that says why."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from lofte.accounts.passwords import DATA, fold, listed
from tests.base import PASSWORD, BaseTestCase

KOMMUNER = Path(__file__).resolve().parent.parent / "lofte" / "areas" / "data" / "kommuner_lan_scb_koder.csv"
GOOD = "gurka stege molnig 7"
SWEDISH_WORD = "Lösenordet är ett vanligt svenskt ord eller namn med siffror eller tecken före eller efter"
BREACHED = "bland de vanligaste lösenorden i läckta lösenordslistor"
TOO_SHORT = "Det måste innehålla minst 12 tecken."


def refusals(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as error:
        return list(error.messages)
    return []


class PasswordRulesTest(SimpleTestCase):
    def test_sommar2024_is_refused_in_swedish_saying_why(self) -> None:
        messages = refusals("Sommar2024")
        self.assertTrue(any(TOO_SHORT in message for message in messages), messages)
        self.assertTrue(any(SWEDISH_WORD in message for message in messages), messages)

    def test_a_swedish_word_is_refused_however_it_is_dressed_up(self) -> None:
        for password in (
            "Sommar2024!!",
            "sommar2024!!",
            "S0mmar2024!!",
            "SOMMAR-2024-!",
            "2024sommar2024",
            "Välkommen12345",
            "valkommen12345",
            "Mjölby2026!!",
            "upplandsvasby1",
            "Djurgården1891",
            "L1sa19871987!",
            "Lösenord123456",
        ):
            with self.subTest(password=password):
                self.assertTrue(any(SWEDISH_WORD in message for message in refusals(password)), refusals(password))

    def test_a_password_of_the_shipped_breached_list_is_refused_in_swedish(self) -> None:
        # Long enough, and not on Django's own list: only the shipped list refuses it.
        breached = "chickenwing101"
        self.assertIn(fold(breached), listed("breached-passwords.txt"))
        CommonPasswordValidator().validate(breached)
        self.assertEqual(
            refusals(breached),
            [
                f"Lösenordet finns, eventuellt med siffror eller tecken före eller efter, {BREACHED}. Sådana prövas först av den som gissar. Välj flera ord som inte hör ihop, gärna med mellanslag."
            ],
        )
        self.assertTrue(any(BREACHED in message for message in refusals("P@ssw0rd2024!")))
        self.assertTrue(any(BREACHED in message for message in refusals("Dragon1234567")))

    def test_it_asks_for_twelve_characters(self) -> None:
        self.assertTrue(any(TOO_SHORT in message for message in refusals("gurka stege")))  # 11

    def test_a_phrase_of_unrelated_words_is_accepted(self) -> None:
        for password in (GOOD, PASSWORD, "ett-helt-nytt-lösenord-42", "Jag gillar 42 blå katter!"):
            with self.subTest(password=password):
                self.assertEqual(refusals(password), [])

    def test_the_swedish_list_has_every_kommun_and_the_usual_words(self) -> None:
        words = listed("swedish-words.txt")
        with KOMMUNER.open(encoding="utf-8") as rows:
            kommuner = [row["municipality_name"] for row in csv.DictReader(rows)]
        self.assertEqual(len(kommuner), 290)
        self.assertLessEqual({fold(name) for name in kommuner}, words)
        for word in ("sommar", "vinter", "januari", "måndag", "lösenord", "välkommen", "anna", "erik", "hammarby"):
            self.assertIn(fold(word), words)

    def test_the_breached_list_is_the_real_one(self) -> None:
        lines = (DATA / "breached-passwords.txt").read_text(encoding="utf-8").splitlines()
        self.assertEqual(lines[1:4], ["123456", "password", "12345678"])
        self.assertEqual(len(lines), 30_001)
        self.assertIn("scripts/make-password-lists", (DATA / "SOURCES.md").read_text(encoding="utf-8"))


class PasswordPagesTest(BaseTestCase):
    def test_the_change_password_page_refuses_sommar2024(self) -> None:
        client = self.client_for(self.viewer)
        response = client.post(
            "/konto/losenord/byt/",
            {"old_password": PASSWORD, "new_password1": "Sommar2024", "new_password2": "Sommar2024"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, SWEDISH_WORD)
        self.viewer.refresh_from_db()
        self.assertTrue(self.viewer.check_password(PASSWORD))

    def test_the_reset_page_refuses_a_breached_password(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post("/konto/losenord/glomt/", {"email": "lasare@a.example"})
        link = re.search(r"(/konto/losenord/aterstall/\S+/)", mail.outbox[0].body)
        assert link is not None
        form = self.client.get(link.group(1), follow=True)
        url = form.redirect_chain[-1][0]
        response = self.client.post(url, {"new_password1": "P@ssw0rd2024!", "new_password2": "P@ssw0rd2024!"})
        self.assertContains(response, BREACHED)
        done = self.client.post(url, {"new_password1": GOOD, "new_password2": GOOD})
        self.assertRedirects(done, "/konto/losenord/aterstallt/")

    def test_allauths_change_password_page_refuses_it_too(self) -> None:
        client = self.client_for(self.viewer)
        response = client.post(
            "/konto/password/change/",
            {"oldpassword": PASSWORD, "password1": "S0mmar2024!!", "password2": "S0mmar2024!!"},
        )
        self.assertContains(response, SWEDISH_WORD)
        self.viewer.refresh_from_db()
        self.assertTrue(self.viewer.check_password(PASSWORD))
