"""pagerduty-people: users, teams, schedules, on-call, escalation policies, on-call load."""
