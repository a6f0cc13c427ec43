"""Floor 3, hosting: the command line, start-up policy, transports and client auth. The one
place that chooses between PagerDuty and the sandbox. Imports the floors below."""
