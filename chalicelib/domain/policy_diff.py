"""What changed between two versions of a policy, for a person: each setting that differs with its old and new
value, and the steps matched up in order (difflib), so one inserted step reads as one added row rather than every
later step changed."""

from __future__ import annotations

import difflib
import json
from typing import Any

from msgspec import Struct

from .policies import Policy, Step

SAME = "same"
ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
NOT_SET = "(not set)"


class SettingChange(Struct, frozen=True):
    setting: str  # "caps.per_day"
    before: str
    after: str


class StepRow(Struct, frozen=True):
    change: str  # SAME, ADDED, REMOVED, CHANGED
    before: str
    after: str


class PolicyDiff(Struct, frozen=True):
    before: int
    after: int
    settings: tuple[SettingChange, ...]
    steps: tuple[StepRow, ...]

    @property
    def unchanged(self) -> bool:
        return not self.settings and all(row.change == SAME for row in self.steps)


def step_text(step: Step) -> str:
    """One step as a person reads it: "day +4 · sms · sms_nudge", "day +35 · escalate"."""
    what = step.action if step.action else f"{step.channel} · {step.template}"
    return f"day {step.offset_days:+d} · {what}"


def _settings(policy: Policy) -> dict[str, str]:
    """Every setting but the steps, flattened to dotted paths, each value as canonical JSON."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else key, value[key])
        elif value is not None:  # a setting left out (null) reads as "not set", like one that was never there
            flat[prefix] = json.dumps(value, sort_keys=True, ensure_ascii=False)

    body = policy.to_dict()
    for name in ("name", "version", "steps"):
        body.pop(name)
    walk("", body)
    return flat


def diff(before: Policy, after: Policy) -> PolicyDiff:
    old, new = _settings(before), _settings(after)
    settings = tuple(SettingChange(name, old.get(name, NOT_SET), new.get(name, NOT_SET))
                     for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name))
    a, b = [step_text(s) for s in before.steps], [step_text(s) for s in after.steps]
    rows: list[StepRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [StepRow(SAME, text, text) for text in a[i1:i2]]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            was, now = (olds[k] if k < len(olds) else ""), (news[k] if k < len(news) else "")
            rows.append(StepRow(CHANGED if was and now else REMOVED if was else ADDED, was, now))
    return PolicyDiff(before.version, after.version, settings, tuple(rows))
