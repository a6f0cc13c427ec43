"""pagerduty-aiops: alert grouping, event orchestration, change events, automation actions and the Events API."""
