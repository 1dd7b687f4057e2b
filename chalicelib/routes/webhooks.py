"""Payment processors' webhooks. No API key: the processor's signature, checked with the tenant's secret for
that provider, is the authentication. A refusal writes nothing but a security log line."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.routes.http import guarded, json_body_of, json_response

webhooks = Blueprint(__name__)
# Processors send JSON, sometimes with a charset; Chalice matches the media type, so these cover them.
CONTENT_TYPES = ["application/json", "application/webhook+json", "text/plain"]


@webhooks.route("/webhooks/{tenant_id}/{provider}", methods=["POST"], content_types=CONTENT_TYPES)
@guarded
def receive(tenant_id: str, provider: str) -> Response:
    request = webhooks.current_request
    try:
        results = container().payments.receive(tenant_id, provider, json_body_of(request, "body"),
                                               request.headers)
    except (Unauthenticated, InvalidInput) as exc:
        from chalicelib.observability import count_webhook_refused, logger

        # Security log: which endpoint was tried and why it was refused; never the body, headers, secret or IP.
        logger().warning("webhook refused", extra={
            "tenant_id": tenant_id[:128], "provider": provider[:32], "reason": exc.code, "field": exc.field})
        count_webhook_refused()
        raise
    return json_response({"received": len(results), "events": [result.to_dict() for result in results]})
