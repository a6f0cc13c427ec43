"""pagerduty-incidents: incidents, alerts, notes, timeline, responders, insights, analytics."""
