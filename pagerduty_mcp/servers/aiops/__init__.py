"""pagerduty-aiops: alert grouping, event orchestration, change events and the Events API."""
