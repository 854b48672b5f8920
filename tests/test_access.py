"""Who may and who may not: every view and API endpoint, for every persona."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from tests.base import BaseTestCase
from tests.cases import EST, FOLLOWUP, INVANARE, LOFTEN, route

EVERYONE = ["samordnare", "polis", "reporter", "viewer", "samordnare_b", "anonymous"]
SIGNED_IN = [p for p in EVERYONE if p != "anonymous"]
PARTNERSHIP_A = ["samordnare", "polis", "reporter", "viewer"]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in EVERYONE}


def members_only(ok: int = 200, anonymous: int = 302, **roles: int) -> dict[str, int]:
    return expect(ok, samordnare_b=404, anonymous=anonymous, **roles)


EDITORS_REFUSED_EMPTY_FORM = {"samordnare": 400, "polis": 400, "samordnare_b": 404, "anonymous": 302}
EDITORS_FIND_NO_VERSION = {"samordnare": 404, "polis": 404, "samordnare_b": 404, "anonymous": 302}

# (url name, args, method, data, expected status per persona)
CASES: list[tuple[str, list[Any], str, dict[str, Any] | None, dict[str, int]]] = [
    ("public:home", [], "get", None, expect(302, anonymous=200)),
    ("public:kommun", ["0586"], "get", None, expect(200)),
    ("public:kommun", ["0642"], "get", None, expect(404)),  # kommun B has published nothing
    ("healthz", [], "get", None, expect(200)),
    # The operator's pages (/drift/): a förvaltare (superuser) only; tests/test_scheduler.py covers the superuser.
    ("schedule:jobs", [], "get", None, expect(403, anonymous=302)),
    ("schedule:run", ["polisen"], "post", {}, expect(403, anonymous=302)),
    # Prometheus metrics: off (404) without LOFTE_METRICS_TOKEN; with it, only for the bearer (tests/test_observe.py).
    ("observe:metrics", [], "get", None, expect(404)),
    ("accounts:login", [], "get", None, expect(302, anonymous=200)),
    ("accounts:logout", [], "post", {}, expect(302)),
    ("accounts:password_reset", [], "get", None, expect(200)),
    ("accounts:password_reset_done", [], "get", None, expect(200)),
    ("accounts:password_reset_confirm", ["MQ", "set-password"], "get", None, expect(200)),
    ("accounts:password_reset_complete", [], "get", None, expect(200)),
    ("accounts:password_change", [], "get", None, expect(200, anonymous=302)),
    ("accounts:profile", [], "get", None, expect(200, anonymous=302)),
    # API keys: each person's own (400: the empty form is refused); 999 is nobody's key.
    ("accounts:tokens", [], "get", None, expect(200, anonymous=302)),
    ("accounts:tokens", [], "post", {}, expect(400, anonymous=302)),
    ("accounts:token_revoke", [999], "get", None, expect(404, anonymous=302)),
    ("accounts:token_revoke", [999], "post", {}, expect(404, anonymous=302)),
    ("accounts:sign_out_everywhere", [], "get", None, expect(200, anonymous=302)),
    # django-allauth's pages: its own sign-in and sign-up lead to Löfte's, the rest are the signed-in user's own.
    ("account_login", [], "get", None, expect(302, anonymous=200)),
    ("account_logout", [], "get", None, expect(200, anonymous=302)),
    ("account_inactive", [], "get", None, expect(200)),
    ("account_signup", [], "get", None, expect(302, anonymous=200)),  # the page says that nobody signs up
    ("account_reauthenticate", [], "get", None, expect(200, anonymous=302)),
    ("account_request_reauthentication_code", [], "get", None, expect(302)),
    ("account_confirm_reauthentication_code", [], "get", None, expect(302)),
    ("account_email", [], "get", None, expect(302)),  # to accounts:profile: the samordnare changes addresses
    ("account_email_verification_sent", [], "get", None, expect(200)),
    ("account_change_password", [], "get", None, expect(200, anonymous=302)),
    ("account_set_password", [], "get", None, expect(302)),
    ("account_reset_password", [], "get", None, expect(302)),  # to accounts:password_reset
    ("account_confirm_login_code", [], "get", None, expect(302)),
    ("account_confirm_email", ["abc"], "get", None, expect(200)),
    ("account_reset_password_from_key_done", [], "get", None, expect(302)),  # to accounts:password_reset
    ("account_reset_password_from_key", ["1", "abc"], "get", None, expect(302)),
    ("account_reset_password_done", [], "get", None, expect(302)),
    ("mfa_index", [], "get", None, expect(200, anonymous=302)),
    ("mfa_authenticate", [], "get", None, expect(302)),
    ("mfa_reauthenticate", [], "get", None, expect(302)),
    ("mfa_activate_totp", [], "get", None, expect(302)),
    ("mfa_deactivate_totp", [], "get", None, expect(404, anonymous=302)),
    ("mfa_view_recovery_codes", [], "get", None, expect(404, anonymous=302)),
    ("mfa_generate_recovery_codes", [], "get", None, expect(302)),
    ("mfa_download_recovery_codes", [], "get", None, expect(404, anonymous=302)),
    ("mfa_list_webauthn", [], "get", None, expect(200, anonymous=302)),
    ("mfa_add_webauthn", [], "get", None, expect(302)),
    ("mfa_reauthenticate_webauthn", [], "get", None, expect(302)),
    ("mfa_remove_webauthn", [999], "get", None, expect(302)),
    ("mfa_edit_webauthn", [999], "get", None, expect(302)),
    ("socialaccount_login_cancelled", [], "get", None, expect(200)),
    ("socialaccount_login_error", [], "get", None, expect(401)),
    ("socialaccount_signup", [], "get", None, expect(302)),
    ("socialaccount_connections", [], "get", None, expect(200, anonymous=302)),
    ("openid_connect_login", ["okand"], "get", None, expect(404)),  # no such provider
    ("openid_connect_callback", ["okand"], "get", None, expect(404)),
    ("saml_login", ["okand"], "get", None, expect(404)),  # no such SAML provider
    ("saml_acs", ["okand"], "post", {}, expect(302)),  # keeps the posted response in a cookie for saml_finish_acs
    ("saml_finish_acs", ["okand"], "get", None, expect(404)),
    ("saml_sls", ["okand"], "get", None, expect(404)),
    ("saml_metadata", ["okand"], "get", None, expect(404)),
    ("usersessions_list", [], "get", None, expect(200, anonymous=302)),
    ("partnerships:home", [], "get", None, expect(302)),
    ("partnerships:dashboard", ["mjolby"], "get", None, members_only()),
    ("partnerships:dashboard", ["mullsjo"], "get", None, expect(404, samordnare_b=200, anonymous=302)),
    ("partnerships:members", ["mjolby"], "get", None, members_only()),
    # A samordnare resets a member's second factors (POST only; the empty reset of a non-member is 404).
    ("factors:reset", ["mjolby", 999], "post", {}, expect(403, samordnare=404, samordnare_b=404, anonymous=302)),
    # The people of a partnership: the samordnare (and an organisation's admin, tests/test_people.py) manage them.
    ("people:index", ["mjolby"], "get", None, members_only(403, samordnare=200)),
    ("people:invite", ["mjolby"], "get", None, members_only(403, samordnare=200)),
    ("people:invite", ["mjolby"], "post", {}, members_only(403, samordnare=400)),
    ("people:bulk", ["mjolby"], "get", None, members_only(403, samordnare=200)),
    ("people:bulk", ["mjolby"], "post", {}, members_only(403, samordnare=400)),
    ("people:bulk_confirm", ["mjolby"], "post", {}, members_only(403, samordnare=302)),  # nothing read in
    *[
        (f"people:{name}", ["mjolby", 999], "post", {}, members_only(403, samordnare=404))
        for name in ("change_role", "deactivate", "reactivate", "resend", "withdraw")
    ],
    ("accounts:invitation", ["okand-nyckel"], "get", None, expect(404)),
    # The lägesbild document: members read it; samordnare and polis change it (400: the empty form is refused).
    ("lagesbild:index", ["mjolby"], "get", None, members_only()),
    ("lagesbild:detail", ["mjolby", 999], "get", None, members_only(404)),
    ("lagesbild:document", ["mjolby", 999, "docx"], "get", None, members_only(404)),
    ("lagesbild:create", ["mjolby"], "post", {}, expect(403, **EDITORS_REFUSED_EMPTY_FORM)),
    *[
        (f"lagesbild:{name}", ["mjolby", *args], "post", {}, expect(403, **EDITORS_FIND_NO_VERSION))
        for name, args in [
            ("update", [999]),
            ("add_source", [999]),
            ("remove_source", [999, 1]),
            ("add_problem", [999]),
            ("update_problem", [999, 1]),
            ("remove_problem", [999, 1]),
            ("link_series", [999, 1]),
            ("unlink_series", [999, 1, 1]),
            ("link_dialogue", [999, 1]),
            ("unlink_dialogue", [999, 1, 1]),
            ("adopt", [999]),
        ]
    ],
    # Dialogues and safety walks: members read them; samordnare and polis record them (400: the empty form).
    ("dialogues:index", ["mjolby"], "get", None, members_only()),
    ("dialogues:detail", ["mjolby", 999], "get", None, members_only(404)),
    (
        "dialogues:create",
        ["mjolby"],
        "get",
        None,
        expect(403, samordnare=200, polis=200, samordnare_b=404, anonymous=302),
    ),
    ("dialogues:create", ["mjolby"], "post", {}, expect(403, **EDITORS_REFUSED_EMPTY_FORM)),
    *[
        (f"dialogues:{name}", ["mjolby", *args], "post", {}, expect(403, **EDITORS_FIND_NO_VERSION))
        for name, args in [
            ("update", [999]),
            ("delete", [999]),
            ("add_statement", [999]),
            ("remove_statement", [999, 1]),
        ]
    ],
    # The agreement and the medborgarlöften (lofte.promises.urls): members read them and download their files;
    # samordnare and polis write them; only the samordnare takes a löfte through the decision process.
    ("loften:index", ["mjolby"], "get", None, members_only()),
    *[
        (route(name, LOFTEN), ["mjolby", *args], "get", None, members_only(404))
        for name, args in [
            ("agreement", [999]),
            ("agreement_file", [999, 1]),
            ("detail", [999]),
            ("promise", [999, 1]),
            ("activity_attachment", [999, 1, 1]),
            ("decision_document", [999, "tjansteskrivelse"]),
        ]
    ],
    *[
        (
            route(name, LOFTEN),
            ["mjolby"],
            "get",
            None,
            expect(403, samordnare=200, polis=200, samordnare_b=404, anonymous=302),
        )
        for name in ("agreement_create", "create")
    ],
    *[
        (route(name, LOFTEN), ["mjolby"], "post", {}, expect(403, **EDITORS_REFUSED_EMPTY_FORM))
        for name in ("agreement_create", "create")
    ],
    *[
        (route(name, LOFTEN), ["mjolby", *args], "get", None, expect(403, **EDITORS_FIND_NO_VERSION))
        for name, args in [
            ("agreement_update", [999]),
            ("update", [999]),
            ("update_focus_area", [999, 1]),
            ("add_goal", [999]),
            ("update_goal", [999, 1]),
            ("add_promise", [999]),
            ("update_promise", [999, 1]),
            ("decision", [999]),
        ]
    ],
    *[
        (route(name, LOFTEN), ["mjolby", *args], "post", {}, expect(403, **EDITORS_FIND_NO_VERSION))
        for name, args in [
            ("agreement_update", [999]),
            ("add_signatory", [999]),
            ("remove_signatory", [999, 1]),
            ("add_document", [999]),
            ("remove_document", [999, 1]),
            ("update", [999]),
            ("add_focus_area", [999]),
            ("update_focus_area", [999, 1]),
            ("remove_focus_area", [999, 1]),
            ("move_focus_area", [999, 1]),
            ("add_goal", [999]),
            ("update_goal", [999, 1]),
            ("remove_goal", [999, 1]),
            ("move_goal", [999, 1]),
            ("add_promise", [999]),
            ("update_promise", [999, 1]),
            ("remove_promise", [999, 1]),
            ("move_promise", [999, 1]),
            ("promise_status", [999, 1]),
            ("add_activity", [999, 1]),
            ("remove_activity", [999, 1, 1]),
            ("decision", [999]),
        ]
    ],
    *[
        (
            route(name, LOFTEN),
            ["mjolby", 999],
            "post",
            {},
            expect(403, samordnare=404, samordnare_b=404, anonymous=302),
        )
        for name in ("propose", "return_to_draft", "decide", "publish")
    ],
    # The follow-up (lofte.promises.followup.urls): members read it; samordnare and polis change it, only the
    # samordnare publishes. A löfte or round that does not exist is not found (tests/test_promises_* try real ones).
    *[
        (route(name, FOLLOWUP), ["mjolby", *args], "get", None, members_only(404))
        for name, args in [
            ("index", [999]),
            ("plan_export", [999, "xlsx"]),
            ("detail", [999]),
            ("report", [999, "pdf"]),
            ("public_report", [999]),
        ]
    ],
    ("action_plan:plan_import", ["mjolby", 999], "get", None, expect(403, **EDITORS_FIND_NO_VERSION)),
    *[
        (route(name, FOLLOWUP), ["mjolby", *args], "post", {}, expect(403, **EDITORS_FIND_NO_VERSION))
        for name, args in [
            ("plan", [999]),
            ("plan_import", [999]),
            ("plan_confirm", [999]),
            ("evaluate", [999]),
            ("comment_goal", [999, 1]),
            ("override_goal", [999, 1]),
            ("report_promise", [999, 1]),
            ("summary", [999]),
            ("close", [999]),
        ]
    ],
    (
        "followup:publish",
        ["mjolby", 999],
        "post",
        {},
        expect(403, samordnare=404, samordnare_b=404, anonymous=302),
    ),
    ("areas:index", [], "get", None, expect(200)),
    ("areas:detail", ["0586"], "get", None, expect(200)),
    ("areas:detail", ["9999"], "get", None, expect(404)),
    # Only those who manage a partnership for the kommun may add areas to it (400: empty form).
    ("areas:upload", ["0586"], "post", {}, expect(403, samordnare=400, anonymous=302)),
    ("areas:upload", ["0642"], "post", {}, expect(403, samordnare_b=400, anonymous=302)),
    ("areas:remove", ["0586"], "post", {}, expect(403, anonymous=302)),  # only districts can be removed
    ("statistics:runs", [], "get", None, expect(200, anonymous=302)),
    # Importing and undoing is for those who manage a partnership (400/302: the empty form is refused).
    ("statistics:upload", [], "post", {}, expect(403, samordnare=400, samordnare_b=400, anonymous=302)),
    # An upload is its uploader's alone (tests/test_statistics_web.py tries another samordnare's).
    *[
        (f"statistics:{name}", [999999], method, data, expect(403, samordnare=404, samordnare_b=404, anonymous=302))
        for name, method, data in [
            ("job", "get", None),
            ("job_progress", "get", None),
            ("job_mapping", "post", {}),
            ("job_confirm", "post", {}),
            ("job_cancel", "post", {}),
            ("job_retry", "post", {}),
        ]
    ],
    ("statistics:run", [999999], "get", None, expect(404, anonymous=302)),
    ("statistics:undo", [999999], "post", {}, expect(403, samordnare=404, samordnare_b=404, anonymous=302)),
    # The lägesbild dashboard is for everyone in a partnership (statistics are public; restricted material is not shown).
    ("situation:dashboard", ["0586"], "get", None, expect(200, anonymous=302)),
    ("situation:dashboard", ["9999"], "get", None, expect(404, anonymous=302)),
    ("situation:export", ["0586", "nyckeltal", "csv"], "get", None, expect(200, anonymous=302)),
    ("set_language", [], "post", {"language": "sv", "next": "/"}, expect(302)),
    ("api-1.0.0:openapi-json", [], "get", None, expect(200)),
    # EST: members read; reporters report and follow their own reports; samordnare and polis review.
    ("est:index", ["mjolby"], "get", None, members_only()),
    ("est_reporting:report", ["mjolby"], "get", None, members_only(viewer=403)),
    ("est_reporting:report", ["mjolby"], "post", {}, expect(400, viewer=403, samordnare_b=404, anonymous=302)),
    ("est_reporting:mine", ["mjolby"], "get", None, members_only(viewer=403)),
    ("est_reporting:incident", ["mjolby", 999], "get", None, members_only(404)),
    ("est_reporting:photo", ["mjolby", 999], "get", None, members_only(404)),
    ("est_reporting:photo_thumbnail", ["mjolby", 999], "get", None, members_only(404)),
    ("est_review:review", ["mjolby"], "get", None, members_only(reporter=403, viewer=403)),
    (
        "est_review:review_detail",
        ["mjolby", 999],
        "get",
        None,
        expect(404, reporter=403, viewer=403, anonymous=302),
    ),
    *[
        (route(name, EST), ["mjolby", 999], "post", {}, expect(404, reporter=403, viewer=403, anonymous=302))
        for name in ("review_approve", "review_correct", "review_merge", "review_reject", "review_route")
    ],
    # Members of the organisation a report is routed to find it here; others do not.
    ("est_review:status", ["mjolby", 999], "post", {}, expect(404, viewer=403, anonymous=302)),
    ("est_review:assigned", ["mjolby"], "get", None, members_only(viewer=403)),
    (
        "est_review:settings",
        ["mjolby"],
        "get",
        None,
        expect(403, samordnare=200, samordnare_b=404, anonymous=302),
    ),
    *[
        (
            route(name, EST),
            ["mjolby"],
            "post",
            {},
            expect(403, samordnare=400, samordnare_b=404, anonymous=302),
        )
        for name in ("settings", "settings_categories", "settings_category_add", "settings_routing_add")
    ],
    (
        "est_review:settings_routing_delete",
        ["mjolby", 999],
        "post",
        {},
        expect(403, samordnare=404, samordnare_b=404, anonymous=302),
    ),
    # The weekly lägesbild, meetings and analysis: every member reads; samordnare and polis write.
    ("est_weekly:week_current", ["mjolby"], "get", None, members_only(302)),
    ("est_weekly:week", ["mjolby", 2026, 10], "get", None, members_only()),
    ("est_weekly:week", ["mjolby", 2025, 60], "get", None, members_only(404)),
    ("est_weekly:week_note", ["mjolby", 2026, 10], "post", {}, members_only(302, reporter=403, viewer=403)),
    ("est_weekly:week_pdf", ["mjolby", 2026, 10], "get", None, members_only()),
    ("est_weekly:week_table", ["mjolby", 2026, 10, "xlsx"], "get", None, members_only()),
    ("est_meetings:meetings", ["mjolby"], "get", None, members_only()),
    ("est_weekly:analysis", ["mjolby"], "get", None, members_only()),
    ("est_meetings:meeting_create", ["mjolby"], "get", None, members_only(reporter=403, viewer=403)),
    ("est_meetings:meeting_create", ["mjolby"], "post", {}, members_only(400, reporter=403, viewer=403)),
    ("est_meetings:meeting", ["mjolby", 999], "get", None, members_only(404)),
    *[
        (route(name, EST), ["mjolby", 999], "post", {}, members_only(404, reporter=403, viewer=403))
        for name in ("meeting_update", "action_create")
    ],
    # The organisation an action is assigned to reports progress on it (tests/test_est_meetings.py for who).
    ("est_meetings:action_update", ["mjolby", 999], "post", {}, members_only(404, viewer=403)),
    ("est_weekly:incidents_export", ["mjolby", "csv"], "get", None, members_only(reporter=403, viewer=403)),
    # Open311 answers to API keys, not sessions: the same for every persona (tests/test_est_open311.py for keys).
    ("open311:open311_services", [], "get", None, expect(400)),  # jurisdiction_id is required without a key
    ("open311:open311_requests", [], "get", None, expect(403)),
    ("open311:open311_requests", [], "post", {}, expect(403)),
    ("open311:open311_request", [1], "get", None, expect(403)),
    # Citizens: warnings, advice, subscriptions and tips are public for a kommun with a published partnership.
    ("public_warnings:warnings", ["0586"], "get", None, expect(200)),
    ("public_warnings:warnings", ["0642"], "get", None, expect(404)),
    ("public_warnings:warning", ["0586", 999], "get", None, expect(404)),
    ("public_warnings:warning_feed", ["0586"], "get", None, expect(200)),
    ("public_warnings:warning_feed", ["0642"], "get", None, expect(404)),
    ("public_advice:advice_list", ["0586"], "get", None, expect(200)),
    ("public_advice:advice", ["0586", "skydda-dig-mot-bedragerier"], "get", None, expect(200)),
    ("public_advice:advice", ["0586", "finns-inte"], "get", None, expect(404)),
    ("subscriptions:subscribe", ["0586"], "get", None, expect(200)),
    ("subscriptions:subscribe", ["0642"], "get", None, expect(404)),
    ("subscriptions:subscription_confirm", ["okand-nyckel"], "get", None, expect(404)),
    ("subscriptions:unsubscribe", ["okand-nyckel"], "get", None, expect(404)),
    ("tips:tip", ["0586"], "get", None, expect(200)),
    ("tips:tip", ["0642"], "get", None, expect(404)),
    ("tips:tip_thanks", ["0586"], "get", None, expect(200)),
    ("tips:tips_map", ["0586"], "get", None, expect(200)),
    # Writing warnings and advice: samordnare and polis; every member reads them.
    *[
        (route(name, INVANARE), ["mjolby", *args], "get", None, members_only(ok))
        for name, args, ok in [
            ("warnings", [], 200),
            ("warning", [999], 404),
            ("advice_list", [], 200),
            ("advice", [999], 404),
        ]
    ],
    *[
        (route(name, INVANARE), ["mjolby"], method, data, members_only(ok, reporter=403, viewer=403))
        for name in ("warning_create", "advice_create")
        for method, data, ok in [("get", None, 200), ("post", {}, 400)]
    ],
    *[
        (route(name, INVANARE), ["mjolby", 999], "post", {}, members_only(404, reporter=403, viewer=403))
        for name in (
            "warning_update",
            "warning_publish",
            "warning_withdraw",
            "warning_retry_dispatch",
            "advice_update",
            "advice_publish",
            "advice_unpublish",
        )
    ],
    # Every e-mail dispatch with its progress: every member, as on a warning's page; only counts, never an address.
    ("mailings:mailings", ["mjolby"], "get", None, members_only()),
    ("mailings:mailings", ["mjolby"], "post", {}, expect(405, anonymous=302)),
    # Grannsamverkan groups and their contacts are for the samordnare only.
    ("grannsamverkan:grannsamverkan", ["mjolby"], "get", None, members_only(403, samordnare=200)),
    ("grannsamverkan:grannsamverkan", ["mjolby"], "post", {}, members_only(403, samordnare=400)),
    ("grannsamverkan:grannsamverkan_group", ["mjolby", 999], "get", None, members_only(403, samordnare=404)),
    (
        "grannsamverkan:grannsamverkan_remove_contact",
        ["mjolby", 999, 999],
        "post",
        {},
        members_only(403, samordnare=404),
    ),
    ("api-1.0.0:openapi-view", [], "get", None, expect(200)),
    ("api-1.0.0:list_areas", [], "get", None, expect(200)),
    ("api-1.0.0:get_area", ["0586"], "get", None, expect(200)),
    ("api-1.0.0:get_geojson", ["0586"], "get", None, expect(200)),
    ("api-1.0.0:me", [], "get", None, expect(200, anonymous=401)),
    ("api-1.0.0:list_metrics", [], "get", None, expect(200)),  # public statistics need no sign-in
    ("api-1.0.0:list_events", [], "get", None, expect(200)),
    ("api-1.0.0:area_summary", ["0586"], "get", {"year": 2025}, expect(200)),  # public statistics
    ("api-1.0.0:list_observations", [], "get", None, expect(400)),  # area and metric are required
    ("api-1.0.0:list_partnerships", [], "get", None, expect(200, anonymous=401)),
    ("api-1.0.0:get_partnership", ["mjolby"], "get", None, members_only(anonymous=401)),
    ("api-1.0.0:get_partnership", ["mullsjo"], "get", None, expect(404, samordnare_b=200, anonymous=401)),
    ("api-1.0.0:list_members", ["mjolby"], "get", None, members_only(anonymous=401)),
    ("api-1.0.0:list_memberships", ["mjolby"], "get", None, members_only(403, samordnare=200, anonymous=401)),
    ("api-1.0.0:list_invitations", ["mjolby"], "get", None, members_only(403, samordnare=200, anonymous=401)),
    # Without a body the payload is refused before the lookup; tests/test_people.py covers who may write.
    ("api-1.0.0:create_invitation", ["mjolby"], "post", None, expect(400, anonymous=401)),
    *[
        (f"api-1.0.0:{name}", ["mjolby", 999], "post", None, members_only(403, samordnare=404, anonymous=401))
        for name in (
            "resend_invitation",
            "withdraw_invitation",
            "deactivate_membership",
            "reactivate_membership",
        )
    ],
    # Gallring: a partnership's samordnare sets its periods (an empty form is valid: every kind on the default);
    # the operator's overview is for superusers only (tests/test_gallring.py signs one in).
    ("retention:partnership", ["mjolby"], "get", None, expect(403, samordnare=200, samordnare_b=404, anonymous=302)),
    ("retention:partnership", ["mjolby"], "post", {}, expect(403, samordnare=302, samordnare_b=404, anonymous=302)),
    ("retention_drift:overview", [], "get", None, expect(403, anonymous=302)),
    ("api-1.0.0:change_role", ["mjolby", 999], "patch", None, expect(422, anonymous=401)),
    ("api-1.0.0:list_lagesbilder", ["mjolby"], "get", None, members_only(anonymous=401)),
    ("api-1.0.0:get_lagesbild", ["mjolby", 999], "get", None, members_only(404, anonymous=401)),
    ("public:follow_up_report", ["0586", 999], "get", None, expect(404)),  # only published rounds, see below
    ("api-1.0.0:list_promises", [], "get", {"area": "0586"}, expect(200)),  # the public parts for anyone
    ("api-1.0.0:get_promise", [999], "get", None, expect(404)),
    # Without a body the payload is refused before the lookup; tests/test_promises_api.py covers who may write.
    ("api-1.0.0:update_promise_status", [999], "patch", None, expect(422, anonymous=401)),
    ("api-1.0.0:add_activity", [999], "post", None, expect(400, anonymous=401)),
    # A person's data (lofte.operations.subjects): the operator only; tests/test_subjects.py tries the operator.
    ("subjects:index", [], "get", None, expect(403, anonymous=302)),
    ("subjects:export", [], "post", {}, expect(403, anonymous=302)),
    *[
        ("subjects:erase", [], method, {} if method == "post" else None, expect(403, anonymous=302))
        for method in ("get", "post")
    ],
]

# Routes that are not views of ours: the API root only exists to reverse the prefix.
NOT_VIEWS = {"api-1.0.0:api-root"}


def route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


class AccessTest(BaseTestCase):
    def test_it_has_a_case_for_every_route(self) -> None:
        covered = {name for name, *_ in CASES} | NOT_VIEWS
        missing = route_names(get_resolver().url_patterns) - covered
        self.assertEqual(missing, set(), "Add these routes to CASES in tests/test_access.py")

    def test_it_answers_each_persona_as_expected(self) -> None:
        for name, args, method, data, expected in CASES:
            url = reverse(name, args=args)
            for persona, status in expected.items():
                with self.subTest(url=url, persona=persona):
                    client = self.client_for(self.personas[persona])
                    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
                    self.assertEqual(response.status_code, status)

    def test_it_keeps_the_admin_for_staff(self) -> None:
        url = reverse("admin:index")
        self.assertEqual(self.client_for(None).get(url).status_code, 302)
        self.assertEqual(self.client_for(self.samordnare).get(url).status_code, 302)
        self.assertEqual(self.client_for(self.staff).get(url).status_code, 200)

    def test_it_hides_another_kommuns_partnership_as_not_found(self) -> None:
        client = self.client_for(self.samordnare_b)
        page = client.get(reverse("partnerships:dashboard", args=["mjolby"]))
        api = client.get("/api/v1/partnerships/mjolby")
        self.assertEqual(page.status_code, 404)
        self.assertEqual(api.status_code, 404)
        self.assertEqual(api.json()["error"]["code"], "not_found")
        self.assertNotContains(page, "Samverkan Mjölby", status_code=404)

    def test_it_lists_only_the_users_own_partnerships(self) -> None:
        response = self.client_for(self.samordnare_b).get("/api/v1/partnerships")
        self.assertEqual([p["slug"] for p in response.json()], ["mullsjo"])

    def test_it_shows_anonymous_visitors_only_published_partnerships(self) -> None:
        response = self.client_for(None).get("/")
        self.assertContains(response, "Samverkan Mjölby")
        self.assertNotContains(response, "Samverkan Mullsjö")

    def test_it_refuses_an_inactive_user(self) -> None:
        self.samordnare.is_active = False
        self.samordnare.save(update_fields=["is_active"])
        client = self.client_for(self.samordnare)
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 302)


class RemoveDistrictAccessTest(BaseTestCase):
    def test_it_lets_only_the_kommuns_managers_remove_a_district(self) -> None:
        district = Area.objects.create(code="0586-centrum", name="Centrum", kind="district", parent=self.kommun_a)
        url = reverse("areas:remove", args=[district.code])
        for persona in ("polis", "reporter", "viewer", "samordnare_b"):
            self.assertEqual(self.client_for(self.personas[persona]).post(url).status_code, 403, persona)
        self.assertEqual(self.client_for(None).post(url).status_code, 302)
        self.assertTrue(Area.objects.filter(code="0586-centrum").exists())
        response = self.client_for(self.samordnare).post(url)
        self.assertRedirects(response, "/omraden/0586/")
        self.assertFalse(Area.objects.filter(code="0586-centrum").exists())
        self.assertEqual(AuditEvent.objects.latest("id").action, "areas.delete")

    def test_it_keeps_a_district_that_is_in_use(self) -> None:
        district = Area.objects.create(code="0586-centrum", name="Centrum", kind="district", parent=self.kommun_a)
        self.housing_a.area = district
        self.housing_a.save(update_fields=["area"])
        response = self.client_for(self.samordnare).post(reverse("areas:remove", args=[district.code]), follow=True)
        self.assertContains(response, "används och kan inte tas bort")
        self.assertTrue(Area.objects.filter(code="0586-centrum").exists())
