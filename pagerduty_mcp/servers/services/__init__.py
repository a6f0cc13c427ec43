"""pagerduty-services: the service directory, dependencies, integrations, maintenance windows."""
