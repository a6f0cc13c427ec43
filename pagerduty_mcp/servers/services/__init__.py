"""pagerduty-services: the service directory, dependencies, integrations, maintenance windows."""

from pagerduty_mcp.common import Card

__all__ = ["CARD"]

# What the other servers say of this one and where they send a person for its objects
# (toolkit.directory): read without importing this area's tools.
CARD = Card(
    name="services",
    summary="services, maintenance, integrations, webhooks, extensions",
    finders={
        "services": "list_services",
        "business_services": "list_business_services",
        "extension_schemas": "list_extension_schemas",
    },
)
