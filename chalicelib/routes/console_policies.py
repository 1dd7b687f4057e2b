"""The console's policy pages (/console/policies): the list, one policy's versions and editor, the preview on
sample debtors before saving, and the diff between two versions. Thin, as routes/console.py: the session gives
the tenant, editors (and admins) post, every post carries the CSRF token; a viewer sees the policy read-only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.routes.console import _kind_errors, _message, _page, _post, _query, _redirect, _signed_in

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_policies = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data"]
EDITOR_FIELDS = 160  # the editor posts every step's three fields and the settings: more than other forms
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@console_policies.route("/console/policies", methods=["GET"])
@_kind_errors
@_signed_in
def policies_page(session: Session) -> Response:
    from chalicelib.domain.console import CHANGE_POLICIES, may

    wanted = _query().get("new")
    if wanted is not None:  # the "new policy" form: its editor, under the name given
        if not _NAME.fullmatch(wanted):
            return _message(session, "That name cannot be used", "A policy name is lowercase letters, digits, "
                            "'-' and '_'.", status=400, link=("Back to the policies", "console/policies"))
        return _redirect(f"console/policies/{wanted}?new=1")
    rows = container().console_policies.listing(session.tenant_id)
    return _page(session, "policies", "Policies", "policies",
                 {"rows": rows, "can_edit": may(session.role, CHANGE_POLICIES)})


@console_policies.route("/console/policies/{name}", methods=["GET"])
@_kind_errors
@_signed_in
def policy_page(session: Session, name: str) -> Response:
    from chalicelib.domain.policies import STANDARD
    from chalicelib.inputs.policy_form import fields_of

    query = _query()
    service = container().console_policies
    try:
        versions = service.versions(session.tenant_id, name)
    except NotFound as exc:
        if query.get("new") == "1" and _may_edit(session) and _NAME.fullmatch(name):
            return _editor(session, name, fields_of(STANDARD), versions=[], base=None)
        return _message(session, "No such policy", exc.message, status=404,
                        link=("Back to the policies", "console/policies"))
    try:
        policy = service.version(session.tenant_id, name, query.get("version"))
    except (InvalidInput, NotFound) as exc:
        return _message(session, "No such version", exc.message, status=404,
                        link=(f"Back to {name}", f"console/policies/{name}"))
    saved = query.get("saved")
    notice = f"Version {saved} is saved; it applies from the next sweep." if saved and saved.isdigit() else None
    return _editor(session, name, fields_of(policy), versions=versions, base=policy.version, notice=notice)


@console_policies.route("/console/policies/{name}", methods=["POST"], content_types=FORM)
@_kind_errors
def edit_policy(name: str) -> Response:
    from chalicelib.domain.console import CHANGE_POLICIES
    from chalicelib.inputs.policy_form import (
        body_of,
        fields_from_form,
        form_field,
        with_empty_row,
        without_blank_rows,
        without_row,
    )

    def act(session: Session, form: dict[str, str]) -> Response:
        service = container().console_policies
        versions = _versions(session, name)
        base = int(form["base"]) if form.get("base", "").isdigit() else None
        fields = fields_from_form(form)
        do = form.get("do", "preview")
        if do == "add_row":
            return _editor(session, name, with_empty_row(fields), versions=versions, base=base)
        if do.startswith("remove:") and do[7:].isdigit():
            return _editor(session, name, without_row(fields, int(do[7:])), versions=versions, base=base)
        fields = without_blank_rows(fields)
        try:
            if do == "save":
                stored = service.save(session.tenant_id, name, body_of(fields), session.actor)
                return _redirect(f"console/policies/{name}?saved={stored.version}")
            policy = service.build(name, body_of(fields))
        except InvalidInput as exc:
            return _editor(session, name, fields, versions=versions, base=base, status=400,
                           error=(form_field(exc.field), exc.message))
        return _editor(session, name, fields, versions=versions, base=base,
                       preview=service.preview(session.tenant_id, policy))

    return _post(CHANGE_POLICIES, act, max_fields=EDITOR_FIELDS)


@console_policies.route("/console/policies/{name}/diff", methods=["GET"])
@_kind_errors
@_signed_in
def policy_diff(session: Session, name: str) -> Response:
    query = _query()
    service = container().console_policies
    try:
        versions = service.versions(session.tenant_id, name)
        compared = service.diff(session.tenant_id, name, query.get("from"), query.get("to"))
    except (InvalidInput, NotFound) as exc:
        return _message(session, "Those versions cannot be compared", exc.message, status=404,
                        link=("Back to the policies", "console/policies"))
    return _page(session, "policy_diff", f"Policy {name}: changes", "policies",
                 {"name": name, "diff": compared, "versions": versions})


def _may_edit(session: Session) -> bool:
    from chalicelib.domain.console import CHANGE_POLICIES, may

    return may(session.role, CHANGE_POLICIES)


def _versions(session: Session, name: str) -> list[Any]:
    """The policy's versions; none for a policy being created."""
    try:
        return container().console_policies.versions(session.tenant_id, name)
    except NotFound:
        return []


def _editor(session: Session, name: str, fields: dict[str, Any], *, versions: list[Any], base: int | None,
            error: tuple[str, str] | None = None, preview: list[dict[str, Any]] | None = None,
            notice: str | None = None, status: int = 200) -> Response:
    from chalicelib.domain.policies import FREQUENCIES
    from chalicelib.inputs.policy_form import KINDS, WEEKDAYS

    context = {"name": name, "steps": fields["steps"], "values": fields["values"], "versions": versions,
               "base": base, "is_new": not versions, "can_edit": _may_edit(session), "preview": preview,
               "error_field": error[0] if error else None, "error": error[1] if error else None,
               "notice": notice, "kinds": KINDS, "weekdays": WEEKDAYS, "frequencies": FREQUENCIES}
    return _page(session, "policy", f"Policy {name}", "policies", context, status=status)
