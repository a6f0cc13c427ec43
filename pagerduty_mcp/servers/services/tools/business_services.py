"""Business services: what customers experience (e.g. "Online Store"), above the technical services."""

from __future__ import annotations

from typing import Annotated

from pagerduty_mcp.common import (
    Envelope,
    Limit,
    Offset,
    ToolFailure,
    get_client,
    id_or_url,
    not_found,
    paginate,
    path,
    respond,
    tool,
)
from pagerduty_mcp.servers.services.models import BusinessServiceDetail
from pagerduty_mcp.servers.services.params import Id

__all__ = ["get_business_service", "list_business_services"]


@tool("List business services")
def list_business_services(limit: Limit = 25, offset: Offset = 0) -> Envelope:
    """Business services (what customers experience, e.g. "Online Store") with owner team and contact."""
    page = paginate(get_client(), "/business_services", "business_services", {}, limit=limit, offset=offset)
    items = [BusinessServiceDetail.from_api(b) for b in page.items]
    return respond("business_services", items, f"{len(items)} business service(s)", page=page)


@tool("Get business service")
def get_business_service(
    business_service_id: Annotated[Id, id_or_url("Business service id")],
) -> Envelope:
    """One business service; get_service_dependencies shows the technical services behind it."""
    try:
        body = get_client().read(path("/business_services/{}", business_service_id))
    except ToolFailure as failure:
        if failure.code == "BUSINESS_SERVICE_NOT_FOUND":
            raise not_found("business_service", business_service_id, "list_business_services finds valid ids") from None
        raise
    item = BusinessServiceDetail.from_api(body["business_service"])
    return respond("business_services", [item], f"Business service {item.name}")
