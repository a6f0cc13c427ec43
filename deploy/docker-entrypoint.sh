#!/bin/sh
# The container image's entry point: choose the transport, then become pagerduty-mcp (exec, so that
# SIGTERM reaches the server and it shuts down gracefully).
#
# `docker run -i` gives the container a pipe on stdin: an MCP client that speaks stdio. Without -i
# (docker run -d, compose, Kubernetes) stdin is /dev/null, and with -t a terminal: then the server
# listens for streamable HTTP. PAGERDUTY_MCP_TRANSPORT, or --transport among the arguments, wins.
set -eu
if [ -z "${PAGERDUTY_MCP_TRANSPORT:-}" ]; then
    if [ -p /dev/stdin ] || [ -S /dev/stdin ]; then
        PAGERDUTY_MCP_TRANSPORT=stdio
    else
        PAGERDUTY_MCP_TRANSPORT=streamable-http
    fi
    export PAGERDUTY_MCP_TRANSPORT
fi
exec pagerduty-mcp "$@"
