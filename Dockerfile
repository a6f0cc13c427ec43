# syntax=docker/dockerfile:1
# The pagerduty-mcp server as a container image: built with uv from uv.lock, run as a non-root user
# on a read-only root filesystem. Without -i it serves streamable HTTP on 0.0.0.0:8000 (health at
# /healthz); `docker run -i` speaks stdio (see deploy/docker-entrypoint.sh). README: "Container and
# Kubernetes". tests/deploy run the install and entry commands below outside Docker.

# Both stages use the same Python, so the venv's interpreter link and shebangs stay valid.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
# The uv of .tool-versions, from PyPI.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"
ENV UV_PROJECT_ENVIRONMENT=/opt/pagerduty-mcp \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy
WORKDIR /src
# The whole build context, as filtered by .dockerignore: whatever the project's layout (one
# distribution or a uv workspace), uv.lock decides what gets installed.
COPY . /src
# --no-editable puts the project itself into the venv, so the venv is all the runtime needs;
# --compile-bytecode writes the .pyc files now, since nothing can write them at run time.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --compile-bytecode

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 mcp \
    && useradd --system --uid 10001 --gid mcp --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mcp
COPY --from=builder /opt/pagerduty-mcp /opt/pagerduty-mcp
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint
# Read-only root filesystem: no .pyc written (all compiled above), output unbuffered.
ENV PATH=/opt/pagerduty-mcp/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PAGERDUTY_MCP_HOST=0.0.0.0 \
    PAGERDUTY_MCP_PORT=8000
WORKDIR /opt/pagerduty-mcp
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PAGERDUTY_MCP_PORT', '8000') + '/healthz', timeout=4)"]
ENTRYPOINT ["docker-entrypoint"]
