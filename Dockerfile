# Löfte's container image (docs/operations.md, "From an empty server to a running site").
# Builds from this repository alone: Debian's and PyPI's packages, pinned by constraints.txt.
#   docker build -t lofte:$(git describe --tags --always) .

# --- build: a virtual environment with Löfte and its pinned dependencies -----------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY lofte ./lofte
RUN python -m venv /opt/lofte \
    && /opt/lofte/bin/pip install -c constraints.txt .

# --- runtime: WeasyPrint's and CairoSVG's libraries, the environment, a user without privileges -------------
FROM python:3.11-slim-bookworm AS runtime
# Pango (WeasyPrint's text layout, PDF export), cairo (CairoSVG, charts in the Word export), fonts for both
# (scripts/system-deps --runtime names the same libraries); no compiler, no build tools.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libcairo2 fonts-dejavu-core fontconfig \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid and gid, so a volume's owner is the same in every container and on the host.
RUN groupadd --system --gid 10001 lofte \
    && useradd --system --uid 10001 --gid lofte --home-dir /var/lib/lofte --shell /usr/sbin/nologin lofte \
    && install -d -o lofte -g lofte -m 0700 /var/lib/lofte
COPY --from=build /opt/lofte /opt/lofte
ENV PATH=/opt/lofte/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LOFTE_ENV=production \
    LOFTE_VAR_DIR=/var/lib/lofte \
    STATIC_ROOT=/opt/lofte/static \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=8000
# Static files are collected at build time (hashed names, compressed), outside the volume: each image has its own.
# `lofte` sets the umask 077 (lofte.cli): the files are made readable for the service user afterwards.
# The throwaway key exists only for this step; the running container reads SECRET_KEY_FILE.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=localhost LOFTE_VAR_DIR=/tmp/lofte-build \
    lofte collectstatic --noinput \
    && rm -rf /tmp/lofte-build \
    && chmod -R a+rX /opt/lofte/static
COPY deploy/healthcheck.py /opt/lofte/healthcheck.py
USER lofte:lofte
WORKDIR /var/lib/lofte
# The SQLite database if used, uploads (media/), var/metrics: everything a backup takes.
VOLUME ["/var/lib/lofte"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/opt/lofte/healthcheck.py"]
CMD ["lofte", "serve", "--no-worker"]
