"""/v1/sweeps and /v1/forecast: nothing goes out by surprise. What the coming sweeps will send, and what a person does
about a run the circuit breaker held (services/breaker.py). The API key decides the tenant."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.routes.http import guarded, json_response

sweeps = Blueprint(__name__)


def _caller() -> tuple[str, str]:
    key = container().tenants.authenticate(sweeps.current_request.headers.get("authorization"))
    return key.tenant_id, f"api_key:{key.key_id}"


@sweeps.route("/v1/forecast", methods=["GET"])
@guarded
def forecast() -> Response:
    """What the sweeps of the next `hours` (default 24) will send and hold back, and why; writes nothing."""
    from chalicelib.domain.errors import InvalidInput

    tenant_id, _actor = _caller()
    hours = (sweeps.current_request.query_params or {}).get("hours", "24")
    if not hours.isdigit():
        raise InvalidInput("hours must be a whole number of hours, 1 to 168", "hours")
    return json_response(container().forecast.forecast(tenant_id, int(hours)))


@sweeps.route("/v1/sweeps/held", methods=["GET"])
@guarded
def held() -> Response:
    tenant_id, _actor = _caller()
    return json_response(container().breaker.held(tenant_id))


@sweeps.route("/v1/sweeps/held/approve", methods=["POST"])
@guarded
def approve() -> Response:
    """A person lets the held run go out: the next sweep queues it. 404 when nothing is held."""
    tenant_id, actor = _caller()
    return json_response(container().breaker.approve(tenant_id, actor))


@sweeps.route("/v1/sweeps/held/discard", methods=["POST"])
@guarded
def discard() -> Response:
    """A person closes the held run without sending it. 404 when nothing is held."""
    tenant_id, actor = _caller()
    return json_response(container().breaker.discard(tenant_id, actor))
