"""The console's policy editor as an HTML form: a policy's values as form fields, and the fields back as the
API's policy body (checked by the API's own model). Field names are the body's paths (`steps[2].offset_days`,
`caps.per_day`), so an error naming a path is shown beside the field of that name."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.domain.policies import ESCALATE, FREQUENCIES, Policy

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KINDS = ("email", "sms", ESCALATE)  # a step's channel, or the escalate action
MAX_ROWS = 20
_STEP_FIELD = re.compile(r"steps\[(\d+)\]\.(offset_days|kind|template)")
_INTEGER = re.compile(r"-?\d{1,9}")
_INDEX = re.compile(r"\[\d+\]$")


def fields_of(policy: Policy) -> dict[str, Any]:
    """The editor's values for a stored policy: `steps` (rows of strings) and `values` (field name → string)."""
    steps = [{"offset_days": str(step.offset_days), "kind": step.action or step.channel or "",
              "template": step.template or ""} for step in policy.steps]
    plans, settlement, segment = policy.plans, policy.settlement or {}, policy.segment
    heads_up = policy.early_heads_up or {}
    values: dict[str, str] = {
        "send_window.start": policy.send_window.start.strftime("%H:%M"),
        "send_window.end": policy.send_window.end.strftime("%H:%M"),
        **{f"send_window.weekdays.{day}": "on" for day in sorted(policy.send_window.weekdays)},
        **{f"caps.{name}": str(value) for name, value in policy.caps.to_dict().items()},
        **{f"plans.{name}": str(plans[name]) for name in ("max_instalments", "min_instalment", "max_months",
                                                          "grace_days", "heads_up_days") if name in plans},
        **{f"plans.frequencies.{f}": "on" for f in plans.get("frequencies", [])},
        "promise.max_days": str(policy.promise.get("max_days", "")) if policy.promise else "",
        "hardship_pause_days": str(policy.hardship_pause_days),
        "segment.priority": _text(segment.get("priority")),
        "segment.min_balance": _text(segment.get("min_balance", 0)),
        "segment.max_balance": _text(segment.get("max_balance")),
        "segment.tags": ", ".join(segment.get("tags") or []),
        "segment.countries": ", ".join(segment.get("countries") or []),
        "require_approval_first_run": "on" if policy.require_approval_first_run else "",
    }
    if policy.settlement:
        values |= {"settlement.on": "on", **{f"settlement.{k}": str(v) for k, v in settlement.items()}}
    if policy.early_heads_up:
        values |= {"early_heads_up.on": "on", **{f"early_heads_up.{k}": str(v) for k, v in heads_up.items()}}
    return {"steps": steps, "values": values}


def fields_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The editor's values as posted (to show the form again as the person left it)."""
    rows: dict[int, dict[str, str]] = {}
    values: dict[str, str] = {}
    for name, value in form.items():
        match = _STEP_FIELD.fullmatch(name)
        if match and int(match.group(1)) < MAX_ROWS:
            rows.setdefault(int(match.group(1)), {"offset_days": "", "kind": "email", "template": ""})[
                match.group(2)] = value.strip()
        elif name not in ("csrf", "do"):
            values[name] = value.strip()
    return {"steps": [rows[i] for i in sorted(rows)], "values": values}


def with_empty_row(fields: dict[str, Any]) -> dict[str, Any]:
    steps = list(fields["steps"])
    if len(steps) < MAX_ROWS:
        steps.append({"offset_days": "", "kind": "email", "template": ""})
    return {**fields, "steps": steps}


def without_row(fields: dict[str, Any], index: int) -> dict[str, Any]:
    return {**fields, "steps": [row for i, row in enumerate(fields["steps"]) if i != index]}


def without_blank_rows(fields: dict[str, Any]) -> dict[str, Any]:
    """The rows a person filled in (an added row left empty is not a step), so errors name the rows shown."""
    return {**fields, "steps": [row for row in fields["steps"] if row.get("offset_days") or row.get("template")]}


def body_of(fields: dict[str, Any]) -> dict[str, Any]:
    """The API's policy body for the editor's values. A field left blank is left out (the API's default applies);
    a value that is not a number where one is expected is passed on as typed, so the API's model names it."""
    values: dict[str, str] = fields["values"]

    def get(name: str) -> str:
        return values.get(name, "").strip()

    def numbers(group: str, names: tuple[str, ...]) -> dict[str, int | str]:
        return {name: _number(get(f"{group}.{name}")) for name in names if get(f"{group}.{name}")}

    steps = []
    for row in fields["steps"]:
        step: dict[str, Any] = {"offset_days": _number(row.get("offset_days", ""))}
        if row.get("kind") == ESCALATE:
            step["action"] = ESCALATE
            if row.get("template"):
                step["template"] = row["template"]  # refused by the model: an action sends no template
        else:
            step |= {"channel": row.get("kind") or None, "template": row.get("template") or None}
        steps.append(step)
    body: dict[str, Any] = {
        "steps": steps,
        "send_window": {**{name: get(f"send_window.{name}") for name in ("start", "end") if get(f"send_window.{name}")},
                        "weekdays": [day for day in range(7) if get(f"send_window.weekdays.{day}")]},
        "caps": numbers("caps", ("email_per_7d", "sms_per_7d", "per_day")),
        "plans": {**numbers("plans", ("max_instalments", "min_instalment", "max_months", "grace_days",
                                      "heads_up_days")),
                  "frequencies": [f for f in FREQUENCIES if get(f"plans.frequencies.{f}")]},
        "promise": numbers("promise", ("max_days",)),
        "segment": {**numbers("segment", ("priority", "min_balance", "max_balance")),
                    "tags": _words(get("segment.tags")),
                    "countries": [word.upper() for word in _words(get("segment.countries"))]},
        "require_approval_first_run": bool(get("require_approval_first_run")),
    }
    if get("hardship_pause_days"):
        body["hardship_pause_days"] = _number(get("hardship_pause_days"))
    if get("settlement.on"):
        # the discount and its days are required (left blank, the model says so); offer_after_days has a default
        body["settlement"] = {"discount_percent": _number(get("settlement.discount_percent")),
                              "valid_days": _number(get("settlement.valid_days")),
                              **numbers("settlement", ("offer_after_days",))}
    if get("early_heads_up.on"):
        body["early_heads_up"] = numbers("early_heads_up", ("days_before", "when_late_payments"))
    return body


def form_field(path: str | None) -> str:
    """The form field (or group of fields) an error's path names: `steps[1].channel` is row 1's kind,
    `segment.tags[2]` the tags field; a path the form has no field for is shown above the form ("")."""
    if not path:
        return ""
    step = re.fullmatch(r"steps\[(\d+)\](?:\.(\w+))?", path)
    if step:
        part = {"channel": "kind", "action": "kind", None: ""}.get(step.group(2), step.group(2))
        return f"steps[{step.group(1)}].{part}" if part else f"steps[{step.group(1)}]"
    while _INDEX.search(path):
        path = _INDEX.sub("", path)
    return path


def _number(text: str) -> int | str:
    return int(text) if _INTEGER.fullmatch(text) else text


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text) if word]


def _text(value: Any) -> str:
    return "" if value is None else str(value)
