"""Floor 2, the tool toolkit: declaring tools (``@tool``, parameter types), shaping answers (the
envelope, lean models), registering them, and the MCP server class. Imports floor 1 only."""
