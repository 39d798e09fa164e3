# syntax=docker/dockerfile:1
# The OmniSales API for production: `docker build -t omnisales .`, then compose.yaml runs two of
# them on a MongoDB replica set behind a proxy. The embedded database (SecantusDB, GPL) is a
# development tool and is not in the image: MONGO_URI is required.

# --- build: install the project and its dependencies into a virtual environment ---------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# A current pip: the one the base image bundles can fail to resolve the OpenTelemetry packages
# (tried outside Docker with pip 23.2: ResolutionImpossible; pip 25+ resolves them).
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir --upgrade "pip>=25.1"
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir -p graph/agents tools channels checkpoints evals ops \
    && touch app.py cli.py launcher.py server.py settings.py pos_api.py \
    && for package in graph graph/agents tools channels checkpoints evals ops; do \
         touch "$package/__init__.py"; done \
    && pip install --no-cache-dir . \
    && pip uninstall --yes omnisales
COPY app.py cli.py launcher.py server.py settings.py pos_api.py ./
COPY graph ./graph
COPY tools ./tools
COPY channels ./channels
COPY checkpoints ./checkpoints
COPY evals ./evals
COPY ops ./ops
COPY replay ./replay
RUN pip install --no-cache-dir --no-deps . && python -m compileall -q /opt/venv

# --- run: the virtual environment alone, as an unprivileged user --------------------------------
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production DATA_DIR=/data
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home \
        --shell /usr/sbin/nologin omnisales
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
EXPOSE 8000
# /health is 200 when the API and its database answer (503 when the database does not).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
CMD ["omnisales", "serve", "--host", "0.0.0.0", "--port", "8000"]
