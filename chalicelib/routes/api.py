"""The tenant-facing JSON API under /v1. The API key decides the tenant; nothing else does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.routes.http import body_of, guarded, json_response

if TYPE_CHECKING:
    from chalicelib.domain.accounts import Account

api = Blueprint(__name__)
JSON_ONLY = ["application/json"]


def _caller() -> tuple[str, str]:
    """(tenant_id, actor) for the key on this request."""
    key = container().tenants.authenticate(api.current_request.headers.get("authorization"))
    return key.tenant_id, f"api_key:{key.key_id}"


@api.route("/v1/accounts/{account_id}", methods=["PUT"], content_types=JSON_ONLY)
@guarded
def put_account(account_id: str) -> Response:
    tenant_id, actor = _caller()
    account, created = container().accounts.upsert(tenant_id, account_id, body_of(api.current_request), actor)
    return json_response(container().accounts.view(account), 201 if created else 200)


@api.route("/v1/accounts/{account_id}", methods=["GET"])
@guarded
def get_account(account_id: str) -> Response:
    tenant_id, _actor = _caller()
    accounts = container().accounts
    return json_response(accounts.view(accounts.get(tenant_id, account_id)))


@api.route("/v1/accounts/{account_id}/flags", methods=["POST"], content_types=JSON_ONLY)
@guarded
def set_flag(account_id: str) -> Response:
    from chalicelib.inputs.flags import FlagIn  # pydantic loads only for the routes that parse (cold start)
    from chalicelib.inputs.parsing import parse

    tenant_id, actor = _caller()
    flag = parse(FlagIn, body_of(api.current_request))
    accounts = container().accounts
    return json_response(accounts.view(accounts.set_flag(tenant_id, account_id, flag, actor)))


@api.route("/v1/accounts/{account_id}/resume", methods=["POST"])
@guarded
def resume(account_id: str) -> Response:
    """A person decided: reminders may go on after a refund, a chargeback or an escalation."""
    tenant_id, actor = _caller()
    return json_response(container().accounts.view(container().payments.resume(tenant_id, account_id, actor)))


@api.route("/v1/accounts/{account_id}/plan/quote", methods=["POST"], content_types=JSON_ONLY)
@guarded
def quote_plan(account_id: str) -> Response:
    """Every instalment date and amount a plan request would get; writes nothing."""
    from chalicelib.inputs.parsing import parse  # pydantic loads only for the routes that parse (cold start)
    from chalicelib.inputs.plans import PlanRequestIn

    tenant_id, _actor = _caller()
    request = parse(PlanRequestIn, body_of(api.current_request)).to_domain()
    return json_response(container().plans.quote(tenant_id, account_id, request).to_dict())


@api.route("/v1/accounts/{account_id}/plan", methods=["PUT"], content_types=JSON_ONLY)
@guarded
def put_plan(account_id: str) -> Response:
    """A plan agreed with finance (on the phone, say); 409 while one is active."""
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.plans import PlanRequestIn

    tenant_id, actor = _caller()
    request = parse(PlanRequestIn, body_of(api.current_request)).to_domain()
    account = container().plans.create(tenant_id, account_id, request, created_by="tenant", actor=actor)
    return json_response(_plan_of(account), 201)


@api.route("/v1/accounts/{account_id}/plan", methods=["DELETE"])
@guarded
def delete_plan(account_id: str) -> Response:
    """Cancel the plan: the policy's schedule resumes."""
    tenant_id, actor = _caller()
    return json_response(_plan_of(container().plans.cancel(tenant_id, account_id, actor=actor)))


@api.route("/v1/accounts/{account_id}/promise", methods=["POST"], content_types=JSON_ONLY)
@guarded
def post_promise(account_id: str) -> Response:
    """A promise to pay by a date: reminders wait until then plus the grace days; 409 while one is open."""
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.plans import PromiseIn

    tenant_id, actor = _caller()
    data = parse(PromiseIn, body_of(api.current_request))
    account = container().plans.promise(tenant_id, account_id, data.amount, data.currency, data.by, actor=actor)
    return json_response(account.to_dict()["promise"], 201)


def _plan_of(account: Account) -> dict[str, Any]:
    plan: dict[str, Any] = account.to_dict()["plan"]
    return plan


@api.route("/v1/accounts/{account_id}/timeline", methods=["GET"])
@guarded
def timeline(account_id: str) -> Response:
    tenant_id, _actor = _caller()
    events = container().audit.timeline(tenant_id, account_id)
    return json_response({"events": [event.to_dict() for event in events]})


@api.route("/v1/accounts/{account_id}/replies", methods=["GET"])
@guarded
def replies(account_id: str) -> Response:
    tenant_id, _actor = _caller()
    found = container().sms_replies.replies_to(tenant_id, account_id)
    return json_response({"replies": [reply.to_dict() for reply in found]})


@api.route("/v1/accounts/{account_id}/audit/verify", methods=["GET"])
@guarded
def verify(account_id: str) -> Response:
    tenant_id, _actor = _caller()
    return json_response(container().audit.verify(tenant_id, account_id).to_dict())


@api.route("/v1/policies/{name}", methods=["PUT"], content_types=JSON_ONLY)
@guarded
def put_policy(name: str) -> Response:
    tenant_id, _actor = _caller()
    policy = container().policies.put(tenant_id, name, body_of(api.current_request))
    return json_response(policy.to_dict())


@api.route("/v1/policies/{name}", methods=["GET"])
@guarded
def get_policy(name: str) -> Response:
    tenant_id, _actor = _caller()
    return json_response(container().policies.get(tenant_id, name).to_dict())


@api.route("/v1/policies/{name}/preview", methods=["POST"], content_types=JSON_ONLY)
@guarded
def preview_policy(name: str) -> Response:
    tenant_id, _actor = _caller()
    return json_response(container().preview.preview(tenant_id, name, body_of(api.current_request)))


@api.route("/v1/tenant/excluded-days", methods=["PUT"], content_types=JSON_ONLY)
@guarded
def put_excluded_days() -> Response:
    tenant_id, _actor = _caller()
    tenant = container().tenants.set_excluded_days(tenant_id, body_of(api.current_request))
    return json_response({"excluded_days": tenant.to_dict()["excluded_days"]})


@api.route("/v1/tenant/excluded-days", methods=["GET"])
@guarded
def get_excluded_days() -> Response:
    tenant_id, _actor = _caller()
    tenant = container().tenants.get(tenant_id)
    return json_response({"excluded_days": tenant.to_dict()["excluded_days"] if tenant else []})


@api.route("/v1/webhook-secrets/{provider}", methods=["PUT"], content_types=JSON_ONLY)
@guarded
def put_webhook_secret(provider: str) -> Response:
    tenant_id, _actor = _caller()
    container().payments.put_secret(tenant_id, provider, body_of(api.current_request))
    return Response(body="", status_code=204)


@api.route("/v1/metrics", methods=["GET"])
@guarded
def metrics() -> Response:
    from datetime import UTC

    from chalicelib.services.figures import period_asked

    tenant_id, _actor = _caller()
    asked = api.current_request.query_params or {}
    app = container()
    period = period_asked(asked.get("from"), asked.get("to"), app.clock.now().astimezone(UTC).date())
    return json_response(app.figures.figures(tenant_id, period))
