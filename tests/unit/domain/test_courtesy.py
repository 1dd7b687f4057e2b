"""The courtesy guard (SPEC capability 4): status rules withhold, time and volume rules defer to the next
instant every rule allows, in the recipient's own zone (or every zone of their country)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain.accounts import EMAIL_SUPPRESSIONS, Account, SentRecord
from chalicelib.domain.courtesy import (
    FLAG_RULES,
    STATUS_RULES,
    TIME_RULES,
    Allow,
    Defer,
    GuardInput,
    Withhold,
    evaluate,
    next_allowed_instant,
)
from chalicelib.domain.policies import STANDARD, Caps, SendWindow
from chalicelib.domain.schedule import recipient_zones

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")

# A policy window open all day, every day: only the guard's own quiet hours are left to decide.
ALL_DAY = SendWindow(time(0, 0), time.max, frozenset(range(7)))


# --- builders ----------------------------------------------------------------------------------

def at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = MADRID) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def guard_input(when: datetime, **changes) -> GuardInput:
    """An email to a Madrid debtor who owes 49 EUR, under the STANDARD policy, with nothing holding it."""
    channel = changes.get("channel", "email")
    base = GuardInput(
        at=when,
        channel=channel,
        zones=("Europe/Madrid",),
        balance={"EUR": 4900},
        holding_flags=(),
        address="ana@example.com" if channel == "email" else "+34600123456",
        sms_consent=True,
        window=STANDARD.send_window,
        caps=STANDARD.caps,
    )
    return replace(base, **changes)


def sent(when: datetime, channel: str = "email") -> SentRecord:
    return SentRecord(at=when, channel=channel, message_id=f"msg_{channel}_{when.isoformat()}")


def holidays(*days: date):
    chosen = set(days)
    return lambda day: day in chosen


def deferred_to(decision) -> datetime:
    assert isinstance(decision, Defer), decision
    return decision.until


# --- every rule says where it comes from ------------------------------------------------------

@pytest.mark.parametrize("rule", [*STATUS_RULES, *TIME_RULES], ids=lambda r: r.__name__)
def test_every_rule_states_its_source_in_a_docstring(rule):
    assert rule.__doc__ and rule.__doc__.strip()


@pytest.mark.parametrize("flag", sorted(FLAG_RULES))
def test_every_holding_flag_names_a_reason_and_a_source(flag):
    reason, source = FLAG_RULES[flag]
    assert reason.strip() and source.strip()


# --- quiet hours: email [08:00, 21:00), SMS [08:00, 20:00) local -------------------------------

def test_email_at_0759_local_is_deferred_to_0800_the_same_day():
    # Given a window open all day, When an email is due at 07:59 Madrid time
    decision = evaluate(guard_input(at(2026, 11, 10, 7, 59), window=ALL_DAY))
    # Then it waits for 08:00 that same morning
    assert decision == Defer("quiet_hours", at(2026, 11, 10, 8, 0))


def test_email_at_0800_local_is_allowed_when_the_policy_window_is_open():
    assert evaluate(guard_input(at(2026, 11, 10, 8, 0), window=ALL_DAY)) == Allow()


def test_email_at_0800_is_still_deferred_when_the_policy_window_opens_at_0900():
    # Given STANDARD's 09:00–19:00 window, When an email is due at 08:00, Then it waits for 09:00
    decision = evaluate(guard_input(at(2026, 11, 10, 8, 0)))
    assert decision == Defer("outside_send_window", at(2026, 11, 10, 9, 0))


def test_email_at_2059_local_is_allowed():
    assert evaluate(guard_input(at(2026, 11, 10, 20, 59), window=ALL_DAY)) == Allow()


def test_email_at_2100_local_is_deferred_to_the_next_morning():
    decision = evaluate(guard_input(at(2026, 11, 10, 21, 0), window=ALL_DAY))
    assert decision == Defer("quiet_hours", at(2026, 11, 11, 8, 0))


def test_sms_at_1959_local_is_allowed():
    decision = evaluate(guard_input(at(2026, 11, 10, 19, 59), channel="sms", window=ALL_DAY))
    assert decision == Allow()


def test_sms_at_2000_local_is_deferred_while_an_email_at_2059_is_not():
    # Given the same evening, When an SMS is due at 20:00 and an email at 20:59
    sms = evaluate(guard_input(at(2026, 11, 10, 20, 0), channel="sms", window=ALL_DAY))
    email = evaluate(guard_input(at(2026, 11, 10, 20, 59), window=ALL_DAY))
    # Then the SMS waits for the next morning and the email goes
    assert sms == Defer("quiet_hours", at(2026, 11, 11, 8, 0))
    assert email == Allow()


def test_quiet_hours_are_reckoned_in_the_recipients_zone_not_utc():
    # Given 06:00 UTC, which is 07:00 in Madrid, Then the message is deferred to 08:00 Madrid (07:00 UTC)
    decision = evaluate(guard_input(datetime(2026, 11, 10, 6, 0, tzinfo=UTC), window=ALL_DAY))
    assert decision == Defer("quiet_hours", datetime(2026, 11, 10, 7, 0, tzinfo=UTC))


# --- the policy's send window: hours and weekdays ----------------------------------------------

def test_inside_standard_window_on_a_weekday_is_allowed():
    assert evaluate(guard_input(at(2026, 11, 10, 12, 0))) == Allow()


def test_at_the_window_end_is_deferred_to_the_next_days_opening():
    decision = evaluate(guard_input(at(2026, 11, 10, 19, 0)))
    assert decision == Defer("outside_send_window", at(2026, 11, 11, 9, 0))


def test_sunday_is_deferred_to_mondays_opening_under_standard():
    # Given STANDARD sends Monday to Saturday, When a message is due on Sunday 2026-11-15 at noon
    decision = evaluate(guard_input(at(2026, 11, 15, 12, 0)))
    # Then it goes out on Monday at 09:00
    assert decision == Defer("outside_send_window", at(2026, 11, 16, 9, 0))


def test_saturday_evening_skips_sunday_and_lands_on_monday_morning():
    decision = evaluate(guard_input(at(2026, 11, 14, 19, 30)))
    assert decision == Defer("outside_send_window", at(2026, 11, 16, 9, 0))


def test_a_narrower_custom_window_is_respected():
    # Given a policy that only sends 10:00–12:00 on Wednesdays
    window = SendWindow(time(10, 0), time(12, 0), frozenset({2}))
    # When a message is due on Wednesday at 12:00, Then it waits a week for the next Wednesday 10:00
    decision = evaluate(guard_input(at(2026, 11, 11, 12, 0), window=window))
    assert decision == Defer("outside_send_window", at(2026, 11, 18, 10, 0))


# --- deferral lands on the next allowed instant, in the recipient's zone ------------------------

def test_madrid_at_2300_local_is_deferred_to_0900_local_next_day():
    decision = evaluate(guard_input(at(2026, 11, 10, 23, 0)))
    assert decision == Defer("quiet_hours", at(2026, 11, 11, 9, 0))
    assert deferred_to(decision).astimezone(MADRID).time() == time(9, 0)


def test_tokyo_before_opening_is_deferred_to_0900_tokyo_which_is_midnight_utc():
    # Given a Tokyo debtor, When a message is due at 06:00 Tokyo (21:00 UTC the day before)
    decision = evaluate(guard_input(at(2026, 11, 10, 6, 0, TOKYO), zones=("Asia/Tokyo",)))
    # Then it goes at 09:00 Tokyo, 00:00 UTC
    assert deferred_to(decision) == datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
    assert deferred_to(decision).astimezone(TOKYO) == at(2026, 11, 10, 9, 0, TOKYO)


def test_los_angeles_spring_forward_lands_on_0900_pdt_not_an_hour_off():
    # Given Los Angeles on the night clocks go forward (Sunday 2026-03-08), a window open every day
    window = SendWindow(time(9, 0), time(19, 0), frozenset(range(7)))
    # When a message is due on Saturday 22:00 PST (06:00 UTC)
    decision = evaluate(guard_input(at(2026, 3, 7, 22, 0, LOS_ANGELES), zones=("America/Los_Angeles",),
                                    window=window))
    # Then it goes at 09:00 PDT on Sunday, which is 16:00 UTC (not 17:00, as 09:00 PST would be)
    assert decision == Defer("quiet_hours", datetime(2026, 3, 8, 16, 0, tzinfo=UTC))


def test_los_angeles_fall_back_lands_on_0900_pst():
    window = SendWindow(time(9, 0), time(19, 0), frozenset(range(7)))
    # When a message is due on Saturday 2026-10-31 22:00 PDT, the night before clocks go back
    decision = evaluate(guard_input(at(2026, 10, 31, 22, 0, LOS_ANGELES), zones=("America/Los_Angeles",),
                                    window=window))
    # Then it goes on Sunday at 09:00 PST = 17:00 UTC
    assert decision == Defer("quiet_hours", datetime(2026, 11, 1, 17, 0, tzinfo=UTC))


def test_los_angeles_standard_window_skips_the_dst_sunday_to_monday_0900_pdt():
    decision = evaluate(guard_input(at(2026, 3, 7, 22, 0, LOS_ANGELES), zones=("America/Los_Angeles",)))
    assert decision == Defer("quiet_hours", datetime(2026, 3, 9, 16, 0, tzinfo=UTC))


def test_madrid_deferral_across_the_october_clock_change_lands_on_monday_0900_cet():
    # Given Saturday 2026-10-24 23:00 CEST; clocks go back on Sunday
    decision = evaluate(guard_input(at(2026, 10, 24, 23, 0)))
    # Then Monday 09:00 CET = 08:00 UTC
    assert decision == Defer("quiet_hours", datetime(2026, 10, 26, 8, 0, tzinfo=UTC))


def test_next_allowed_instant_is_the_instant_the_guard_defers_to():
    inp = guard_input(at(2026, 11, 10, 23, 0))
    assert next_allowed_instant(inp, inp.at) == at(2026, 11, 11, 9, 0)


# --- unknown zone: the hours allowed in EVERY zone of the country -------------------------------

NY_AND_LA = ("America/New_York", "America/Los_Angeles")


def test_a_time_allowed_in_new_york_but_not_los_angeles_is_deferred_until_it_suits_both():
    # Given 10:00 in New York, which is 07:00 in Los Angeles
    decision = evaluate(guard_input(at(2026, 11, 10, 10, 0, NEW_YORK), zones=NY_AND_LA))
    # Then it waits for 09:00 in Los Angeles = 12:00 in New York
    assert decision == Defer("quiet_hours", at(2026, 11, 10, 9, 0, LOS_ANGELES))


def test_a_time_off_the_quarter_hour_is_still_deferred_to_the_exact_opening_in_the_last_zone():
    # Given 10:07 in New York (07:07 in Los Angeles)
    decision = evaluate(guard_input(at(2026, 11, 10, 10, 7, NEW_YORK), zones=NY_AND_LA))
    # Then the first instant allowed in both zones is 09:00 Los Angeles, not a few minutes after it
    assert decision == Defer("quiet_hours", at(2026, 11, 10, 9, 0, LOS_ANGELES))


def test_evening_in_new_york_is_deferred_to_the_next_day_when_both_zones_are_open():
    # Given 20:30 in New York (17:30 in LA): past New York's 19:00 window end
    decision = evaluate(guard_input(at(2026, 11, 10, 20, 30, NEW_YORK), zones=NY_AND_LA))
    # Then next day 09:00 LA (12:00 NY)
    assert deferred_to(decision) == at(2026, 11, 11, 9, 0, LOS_ANGELES)


def test_order_of_the_zones_does_not_change_the_outcome():
    forward = evaluate(guard_input(at(2026, 11, 10, 20, 30, NEW_YORK), zones=NY_AND_LA))
    backward = evaluate(guard_input(at(2026, 11, 10, 20, 30, NEW_YORK), zones=tuple(reversed(NY_AND_LA))))
    assert deferred_to(forward) == deferred_to(backward)


def _us_account_without_zone() -> Account:
    return Account(tenant_id="t1", account_id="a1", name="Sam", locale="en-US", policy="standard", country="US")


def test_us_debtor_without_zone_is_checked_against_every_us_zone():
    zones = recipient_zones(_us_account_without_zone())
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)
    # Given 10:00 in New York on a Tuesday (05:00 in Honolulu), When the guard runs for a US debtor
    decision = evaluate(guard_input(at(2026, 11, 10, 10, 0, NEW_YORK), zones=zones))
    until = deferred_to(decision)
    # Then the instant chosen is inside quiet hours and the policy window in every US zone
    for name in zones:
        local = until.astimezone(ZoneInfo(name))
        assert time(9, 0) <= local.time() < time(19, 0), name
        assert local.weekday() in STANDARD.send_window.weekdays, name
    # And it is the first such instant: a minute earlier some zone is still closed
    assert isinstance(evaluate(guard_input(until - timedelta(minutes=1), zones=zones)), Defer)
    assert until == at(2026, 11, 10, 9, 0, ZoneInfo("Pacific/Honolulu"))


# --- public holidays -----------------------------------------------------------------------------

def test_a_public_holiday_is_deferred_to_the_next_non_holiday():
    # Given 8 December is a holiday in Madrid, When a message is due that day at 10:00
    decision = evaluate(guard_input(at(2026, 12, 8, 10, 0), is_holiday=holidays(date(2026, 12, 8))))
    # Then it goes on the 9th at the window's opening
    assert decision == Defer("public_holiday", at(2026, 12, 9, 9, 0))


def test_consecutive_holidays_are_all_skipped():
    decision = evaluate(guard_input(at(2026, 12, 24, 10, 0),
                                    is_holiday=holidays(date(2026, 12, 24), date(2026, 12, 25))))
    assert decision == Defer("public_holiday", at(2026, 12, 26, 9, 0))


def test_holidays_and_the_weekly_day_off_combine():
    # Given Monday 7 and Tuesday 8 December are holidays, When a message is due on Saturday evening
    decision = evaluate(guard_input(at(2026, 12, 5, 19, 30),
                                    is_holiday=holidays(date(2026, 12, 7), date(2026, 12, 8))))
    # Then Sunday (day off), Monday and Tuesday (holidays) are skipped: Wednesday 09:00
    assert deferred_to(decision) == at(2026, 12, 9, 9, 0)


def test_the_holiday_is_judged_on_the_recipients_local_date():
    # Given 23:30 UTC on 7 December is already 8 December (a holiday) in Madrid, window open all day
    decision = evaluate(guard_input(datetime(2026, 12, 7, 23, 30, tzinfo=UTC), window=ALL_DAY,
                                    is_holiday=holidays(date(2026, 12, 8))))
    # Then it is deferred past the 8th, to 08:00 Madrid on the 9th
    assert deferred_to(decision) == at(2026, 12, 9, 8, 0)


# --- caps: email 3 / SMS 2 in a rolling 7 days, at most one a day --------------------------------

def test_three_emails_in_seven_days_defer_the_fourth_until_the_oldest_ages_out():
    # Given emails sent Tuesday, Wednesday and Thursday at 10:00
    oldest = at(2026, 11, 3, 10, 0)
    sends = (sent(oldest), sent(at(2026, 11, 4, 10, 0)), sent(at(2026, 11, 5, 10, 0)))
    # When another email is due on Saturday
    decision = evaluate(guard_input(at(2026, 11, 7, 12, 0), recent_sends=sends))
    # Then it goes exactly when the oldest is seven days old, not a day later
    assert decision == Defer("weekly_cap_email", oldest + timedelta(days=7))


def test_the_weekly_cap_frees_exactly_seven_days_after_the_oldest_send():
    oldest = at(2026, 11, 3, 10, 0)
    sends = (sent(oldest), sent(at(2026, 11, 4, 10, 0)), sent(at(2026, 11, 5, 10, 0)))
    freed = oldest + timedelta(days=7)
    assert evaluate(guard_input(freed, recent_sends=sends)) == Allow()
    assert isinstance(evaluate(guard_input(freed - timedelta(seconds=1), recent_sends=sends)), Defer)


def test_sends_older_than_seven_days_do_not_count():
    sends = tuple(sent(at(2026, 11, d, 10, 0)) for d in (1, 2, 3))
    assert evaluate(guard_input(at(2026, 11, 10, 12, 0), recent_sends=sends)) == Allow()


def test_when_the_cap_frees_outside_the_window_the_deferral_lands_on_the_next_opening():
    # Given the oldest email was sent on a Monday at 20:00 (after a 19:00 window end)
    sends = (sent(at(2026, 11, 2, 20, 0)), sent(at(2026, 11, 3, 10, 0)), sent(at(2026, 11, 4, 10, 0)))
    decision = evaluate(guard_input(at(2026, 11, 6, 12, 0), recent_sends=sends))
    # Then the next Monday 20:00 is too late; Tuesday 09:00 is the first allowed moment
    assert decision == Defer("weekly_cap_email", at(2026, 11, 10, 9, 0))


def test_two_sms_in_seven_days_defer_the_third_until_the_oldest_ages_out():
    oldest = at(2026, 11, 2, 10, 0)
    sends = (sent(oldest, "sms"), sent(at(2026, 11, 4, 10, 0), "sms"))
    decision = evaluate(guard_input(at(2026, 11, 6, 12, 0), channel="sms", recent_sends=sends))
    assert decision == Defer("weekly_cap_sms", oldest + timedelta(days=7))


def test_emails_do_not_count_toward_the_sms_cap():
    sends = (sent(at(2026, 11, 3, 10, 0)), sent(at(2026, 11, 4, 10, 0)), sent(at(2026, 11, 5, 10, 0, )),
             sent(at(2026, 11, 6, 10, 0), "sms"))
    assert evaluate(guard_input(at(2026, 11, 7, 12, 0), channel="sms", recent_sends=sends)) == Allow()


def test_a_second_message_the_same_day_waits_for_the_next_days_opening_not_24_hours():
    # Given an email went out this morning at 09:30
    sends = (sent(at(2026, 11, 10, 9, 30)),)
    # When an SMS is due the same afternoon
    decision = evaluate(guard_input(at(2026, 11, 10, 15, 0), channel="sms", recent_sends=sends))
    # Then it waits for tomorrow's opening at 09:00 (one a day counts every channel)
    assert decision == Defer("daily_cap", at(2026, 11, 11, 9, 0))


def test_a_tightened_weekly_cap_applies():
    sends = (sent(at(2026, 11, 9, 10, 0)),)
    decision = evaluate(guard_input(at(2026, 11, 11, 12, 0), recent_sends=sends, caps=Caps(email_per_7d=1)))
    assert decision == Defer("weekly_cap_email", at(2026, 11, 16, 10, 0))


DST_WEEK_SENDS = (
    sent(datetime(2026, 10, 19, 7, 30, tzinfo=UTC)),  # Monday 09:30 CEST
    sent(datetime(2026, 10, 21, 8, 0, tzinfo=UTC)),
    sent(datetime(2026, 10, 23, 8, 0, tzinfo=UTC)),
)


@pytest.mark.parametrize("tz", [UTC, MADRID], ids=["utc", "madrid"])
def test_the_rolling_week_is_168_hours_whatever_offset_the_instant_is_written_in(tz):
    # Given the oldest email was sent 7 days and 30 minutes ago, across the October clock change
    when = datetime(2026, 10, 26, 8, 0, tzinfo=UTC).astimezone(tz)  # Monday 09:00 CET
    # Then it no longer counts and the message goes, however the instant is expressed
    assert evaluate(guard_input(when, recent_sends=DST_WEEK_SENDS)) == Allow()


def test_a_cap_freeing_before_opening_across_a_clock_change_defers_to_that_opening():
    # Given the cap is full on Saturday and the oldest send ages out on Monday 08:30 CET (before 09:00)
    decision = evaluate(guard_input(datetime(2026, 10, 24, 10, 0, tzinfo=UTC), recent_sends=DST_WEEK_SENDS))
    # Then the message goes at Monday's 09:00 CET opening, not later
    assert decision == Defer("weekly_cap_email", datetime(2026, 10, 26, 8, 0, tzinfo=UTC))


# --- status rules: withheld, with the reason ------------------------------------------------------

@pytest.mark.parametrize("balance", [{"EUR": 0}, {"EUR": -500}, {}], ids=["zero", "credit", "none"])
def test_nothing_owed_is_withheld(balance):
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), balance=balance))
    assert decision == Withhold("balance_not_positive")


def test_a_positive_balance_in_any_currency_is_owed():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), balance={"EUR": 0, "USD": 100}))
    assert decision == Allow()


@pytest.mark.parametrize("flag", sorted(FLAG_RULES))
def test_each_holding_flag_withholds_with_its_reason_and_resumes_on_its_until_day(flag):
    until = date(2026, 12, 1)
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), holding_flags=((flag, until),)))
    assert isinstance(decision, Withhold)
    assert decision.rule == FLAG_RULES[flag][0]
    assert decision.holds_step is True
    # The guard looks again on the until day, no later than that day's opening
    resume = decision.resume_at.astimezone(MADRID)
    assert resume.date() == until
    assert resume.time() <= STANDARD.send_window.start


@pytest.mark.parametrize("flag", sorted(FLAG_RULES))
def test_a_flag_without_end_date_has_no_resume_time(flag):
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), holding_flags=((flag, None),)))
    assert decision == Withhold(FLAG_RULES[flag][0], resume_at=None)


def test_a_status_rule_wins_over_a_time_rule():
    # Given a dispute, When the message would also fall in quiet hours, Then it is withheld, not deferred
    decision = evaluate(guard_input(at(2026, 11, 10, 23, 0), holding_flags=(("dispute", None),)))
    assert decision == Withhold("dispute_open")


def test_email_without_address_is_withheld_and_the_step_is_spent():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), address=None))
    assert decision == Withhold("no_email_address", holds_step=False)


def test_sms_without_phone_is_withheld_and_the_step_is_spent():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel="sms", address=None))
    assert isinstance(decision, Withhold) and decision.holds_step is False
    assert decision.rule == "no_phone"


@pytest.mark.parametrize("suppression", EMAIL_SUPPRESSIONS)
def test_suppressed_email_address_is_withheld(suppression):
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), email_suppressed=suppression))
    assert decision == Withhold(f"email_{suppression}", holds_step=False)


def test_email_suppression_does_not_block_sms():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel="sms", email_suppressed="bounced"))
    assert decision == Allow()


def test_sms_without_consent_is_withheld():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel="sms", sms_consent=False))
    assert decision == Withhold("no_sms_consent", holds_step=False)


def test_sms_to_an_opted_out_number_is_withheld_even_with_consent():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel="sms", sms_opted_out=True))
    assert decision == Withhold("sms_opted_out", holds_step=False)


@pytest.mark.parametrize(("channel", "caps"), [("email", Caps(email_per_7d=0)), ("sms", Caps(sms_per_7d=0))])
def test_a_cap_of_zero_turns_the_channel_off_by_policy(channel, caps):
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel=channel, caps=caps))
    assert decision == Withhold(f"{channel}_off_by_policy", holds_step=False)


def test_a_zero_cap_on_one_channel_leaves_the_other_alone():
    decision = evaluate(guard_input(at(2026, 11, 10, 12, 0), channel="sms", caps=Caps(email_per_7d=0)))
    assert decision == Allow()


# --- edges found in review: clock changes, countries without a common hour, timed flags ----------

def test_a_full_weekly_cap_frees_after_168_real_hours_across_a_clock_change():
    # Given three emails Mon-Wed before the 29 March 2026 change, recorded in Madrid time (as a preview does)
    sends = tuple(SentRecord(at(2026, 3, d, 10), "email", f"m{d}") for d in (23, 24, 25))
    # When a fourth is due on Friday
    decision = evaluate(guard_input(at(2026, 3, 27, 12), recent_sends=sends))
    # Then it waits until the oldest has aged out: 09:00 UTC on 30 March, not never
    assert decision == Defer("weekly_cap_email", datetime(2026, 3, 30, 9, 0, tzinfo=UTC))


def test_a_country_whose_zones_share_no_decent_hour_spends_the_step_instead_of_waiting_forever():
    # Given a Russian debtor with no time zone: Kaliningrad to Kamchatka share no hour inside 09:00-19:00
    zones = recipient_zones(Account("t", "a", "Ivan", "ru-RU", "standard", country="RU"))
    decision = evaluate(guard_input(at(2026, 11, 10, 12), zones=zones))
    # Then the step is withheld with its own reason and the schedule moves on (to a person, in the end)
    assert decision == Withhold("no_allowed_time", holds_step=False)


def test_a_timed_flag_resumes_once_its_end_has_come_in_every_zone():
    # Given a hardship pause until 1 Dec for a debtor placed only by country, across the date line
    zones = recipient_zones(Account("t", "a", "Sam", "en-US", "standard", country="UM"))
    assert len(zones) > 1
    first = evaluate(guard_input(at(2026, 11, 10, 12), zones=zones,
                                 holding_flags=(("hardship", date(2026, 12, 1)),)))
    # Then the look-again instant is when 1 Dec has begun in the last of those zones
    latest = max(datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo(name)) for name in zones)
    assert first == Withhold("hardship_pause", resume_at=latest)


# --- receipts --------------------------------------------------------------------------------------

def test_a_receipt_ignores_balance_caps_window_holidays_and_a_dispute():
    from chalicelib.domain.courtesy import evaluate_receipt

    sunday_evening = at(2026, 12, 6, 20, 30)  # outside STANDARD's window and weekdays, on a "holiday"
    busy = guard_input(sunday_evening, balance={"EUR": 0}, holding_flags=(("dispute", None),),
                       recent_sends=(sent(at(2026, 12, 6, 10)),) * 3, is_holiday=holidays(date(2026, 12, 6)))
    assert evaluate_receipt(busy) == Allow()


def test_a_receipt_keeps_quiet_hours_and_the_debtors_stop_requests():
    from chalicelib.domain.courtesy import evaluate_receipt

    night = evaluate_receipt(guard_input(at(2026, 12, 6, 23, 30)))
    assert night == Defer("quiet_hours", at(2026, 12, 7, 8, 0))
    stopped = evaluate_receipt(guard_input(at(2026, 12, 6, 12), holding_flags=(("cease_contact", None),)))
    assert isinstance(stopped, Withhold) and stopped.rule == "cease_contact"
    unsubscribed = evaluate_receipt(guard_input(at(2026, 12, 6, 12), email_suppressed="unsubscribed"))
    assert isinstance(unsubscribed, Withhold) and unsubscribed.rule == "email_unsubscribed"


# --- the debtor's own hours ----------------------------------------------------------------------------

def test_the_debtors_preferred_hours_narrow_the_window_and_name_themselves():
    evening = (time(17, 0), time(19, 0))
    morning = guard_input(at(2026, 12, 1, 10), preferred_hours=evening)
    assert evaluate(morning) == Defer("outside_preferred_hours", at(2026, 12, 1, 17))
    assert evaluate(guard_input(at(2026, 12, 1, 17, 30), preferred_hours=evening)) == Allow()
    late = evaluate(guard_input(at(2026, 12, 1, 19, 0), preferred_hours=evening))
    assert late == Defer("outside_preferred_hours", at(2026, 12, 2, 17))


def test_a_receipt_keeps_the_debtors_preferred_hours_too():
    from chalicelib.domain.courtesy import evaluate_receipt

    decision = evaluate_receipt(guard_input(at(2026, 12, 6, 12), preferred_hours=(time(18, 0), time(20, 0))))
    assert decision == Defer("outside_preferred_hours", at(2026, 12, 6, 18))


def test_preferred_hours_that_no_longer_meet_the_policys_window_give_way_to_it():
    from chalicelib.domain.decision import guard_input as account_guard_input

    debtor = Account("t", "a", "Ana", "es-ES", "standard", email="ana@example.com", timezone="Europe/Madrid",
                     preferred_hours=(time(19, 0), time(21, 0)))  # chosen before the policy's window shrank
    no_holidays = lambda _country, _region: (lambda _day: False)  # noqa: E731
    assert account_guard_input(debtor, STANDARD, "email", at(2026, 12, 1, 10), no_holidays).preferred_hours is None
    debtor.preferred_hours = (time(17, 0), time(19, 0))
    assert account_guard_input(debtor, STANDARD, "email", at(2026, 12, 1, 10),
                               no_holidays).preferred_hours == (time(17, 0), time(19, 0))
