"""scripts/walkthrough_plans.py as a new user runs it: `kindly local up` (what `make run` starts) in the
background, then the script with nothing but the API's address. It must pass, and say what it saw: every
instalment's heads-up, the nudge, the break, the policy resuming, the settlement offer accepted and paid."""

from __future__ import annotations

from chalicelib.local.network import free_port


def test_the_walkthrough_runs_a_plan_to_a_settlement(run_walkthrough):
    result = run_walkthrough("walkthrough_plans.py")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = out.splitlines()
    assert lines[-1] == "WALKTHROUGH PASSED"
    assert "FAILED" not in out

    def timeline(*words: str) -> list[str]:
        return [line for line in lines if "timeline #" in line and all(word in line for word in words)]

    def order(*matches: list[str]) -> list[int]:
        return [lines.index(found[0]) for found in matches]

    confirmed = timeline("message_sent email plan_confirmed")
    heads_ups = [timeline("message_sent email instalment_heads_up", f"(instalment {n})") for n in (1, 2, 3, 4)]
    paid = timeline("payment_succeeded amount=10000", "[webhook:stripe]")
    nudge = timeline("message_sent email instalment_missed", "(instalment 3)")
    missed = timeline("instalment_missed n=")
    broken = timeline("plan_broken missed=2 outstanding=20000")
    finance = timeline("finance_notified finance plan_broken")
    ended = timeline("message_sent email plan_ended")
    resumed = timeline("message_sent email can_we_help")
    offered = timeline("settlement_offered amount=18000")
    accepted = timeline("settlement_accepted amount=18000", "[debtor:portal]")
    settled = timeline("settled_for_less amount_paid=18000 forgiven=2000", "[webhook:stripe]")
    for name, found in {"plan_confirmed": confirmed, "heads-ups": [h for hs in heads_ups for h in hs[:1]],
                        "payments": paid, "nudge": nudge, "broken": broken, "finance": finance, "ended": ended,
                        "resumed": resumed, "offer": offered, "accepted": accepted, "settled": settled}.items():
        assert found, f"no {name} line in:\n{out}"
    assert len([h for hs in heads_ups for h in hs]) == 4 and len(paid) == 2
    assert [line.split("n=")[1].split()[0] for line in missed] == ["3", "4"]
    # In the order a debtor lives it: paid, paid, missed, missed; the break, then the policy, then the offer.
    story = order(confirmed, heads_ups[0], paid[:1], heads_ups[1], paid[1:], heads_ups[2], nudge, heads_ups[3],
                  broken, ended, resumed, offered, accepted, settled)
    assert story == sorted(story), out
    # Each sweep says when it ran, on the worker's clock, in the debtor's time.
    assert sum(line.lstrip().startswith("sweep --at ") for line in lines) >= 12
    for expectation in ("ok    the plan is broken: paid, paid, missed, missed",
                        "ok    no earlier step (heads_up, gentle_reminder, plan_offer) was sent again",
                        "ok    the page states the offer and has a button to accept it",
                        "ok    settled_for_less is audited: EUR 20.00 forgiven",
                        "ok    the account is settled and owes nothing"):
        assert expectation in [line.strip() for line in lines], f"{expectation!r} missing from:\n{out}"
    assert any("page: Settle for less Pay €180.00 by" in line for line in lines)


def test_the_walkthrough_fails_loudly_when_it_cannot_reach_the_api(run_walkthrough):
    """It cannot pass by accident: an API that does not answer is a failure and a non-zero exit."""
    result = run_walkthrough("walkthrough_plans.py", api=f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "FAILED: cannot reach Kindly" in result.stdout and "WALKTHROUGH PASSED" not in result.stdout
