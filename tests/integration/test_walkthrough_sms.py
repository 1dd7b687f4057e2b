"""scripts/walkthrough_sms.py as a new user runs it: `kindly local up` (what `make run` starts) in the background,
then the script with nothing but the API's address. It must pass and say what it saw: the SMS reminder, STOP with
one confirmation and no further text, START and texts again, the HELP answer; evening opens, the preview saying
so, and the next email sent in that evening hour."""

from __future__ import annotations

from chalicelib.local.network import free_port


def test_the_walkthrough_texts_stops_starts_helps_and_waits_for_the_evening(run_walkthrough):
    result = run_walkthrough("walkthrough_sms.py")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = [line.strip() for line in out.splitlines()]
    assert lines[-1] == "WALKTHROUGH PASSED" and "FAILED" not in out

    def found(*words: str) -> list[int]:
        return [i for i, line in enumerate(lines) if all(word in line for word in words)]

    reminder = found("timeline #", "message_sent sms sms_reminder")
    stop = found("--body 'STOP'", "->  opted_out")
    opted_out = found("timeline #", "sms_opted_out", "[debtor:sms]")
    confirmed = found("kindly outbox: SMS", "You will get no more texts from Walkthrough Texts")
    repeated = found("--body 'Stop.'", "->  already_opted_out")
    withheld = found("timeline #", "message_withheld sms sms_nudge rule=sms_opted_out")
    start = found("--body 'START'", "->  opted_in")
    opted_in = found("timeline #", "sms_opted_in source=sms-reply", "[debtor:sms]")
    help_answer = found("kindly outbox: SMS", "Walkthrough Texts: for help with this account write to "
                        "help@texts.example.com or see http", "/s/")
    opens = found("kindly ses event --type open", "->  opened")
    preview = found("kindly policy preview: can_we_help at", "T19:10:00", "deferred_by=engagement_timing",
                    "the last 3 opens were 19:10–19:40")
    deferred = found("timeline #", "message_deferred email can_we_help rule=engagement_timing")
    evening = found("timeline #", "message_sent email can_we_help timing=sent at 19:10 local: "
                    "the last 3 opens were 19:10–19:40")
    for name, hits in {"reminder": reminder, "stop": stop, "opted_out": opted_out, "confirmed": confirmed,
                       "repeated": repeated, "withheld": withheld, "start": start, "opted_in": opted_in,
                       "help": help_answer, "preview": preview, "deferred": deferred, "evening": evening}.items():
        assert hits, f"no {name} line in:\n{out}"
    assert len(reminder) == 2 and len(confirmed) == 1 and len(opens) == 3, out
    # The story in the order the debtor lives it.
    story = [reminder[0], stop[0], confirmed[0], repeated[0], withheld[0], start[0], reminder[1], help_answer[0],
             opens[-1], preview[0], deferred[0], evening[0]]
    assert story == sorted(story), out
    for expectation in ("ok    exactly one confirmation text came back", "ok    and sends no second confirmation",
                        "ok    no further SMS", "ok    the next SMS step texts the debtor",
                        "ok    can_we_help went at 19:10 local, inside the reading hours, and the trail says why"):
        assert expectation.strip() in lines, f"{expectation!r} missing from:\n{out}"


def test_the_walkthrough_fails_loudly_when_it_cannot_reach_the_api(run_walkthrough):
    """It cannot pass by accident: an API that does not answer is a failure and a non-zero exit."""
    result = run_walkthrough("walkthrough_sms.py", api=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "FAILED: cannot reach Kindly" in result.stdout and "WALKTHROUGH PASSED" not in result.stdout
