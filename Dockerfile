# originxr: one image for the web and the worker processes (compose.yaml runs both).
# Everything is built here, at image build time: the front-end bundle, the translations and
# the Python package. Nothing is built or downloaded when a container starts.

# --- the front-end bundle and the country outlines (npm) --------------------------------
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./web
RUN npm run --silent build

# --- the server -------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The pinned, hashed runtime dependencies (scripts/lock writes them beside requirements.lock,
# at the same versions), then the package itself without resolving anything again.
COPY requirements-runtime.lock ./
RUN pip install --require-hashes --no-deps -r requirements-runtime.lock

# Editable install: the code finds web/static, brands/ and translations/ beside itself.
COPY pyproject.toml README.md ./
COPY server ./server
COPY workers ./workers
RUN pip install --no-deps -e .

COPY brands ./brands
COPY translations ./translations
RUN pybabel -q compile -d translations -f
COPY web/static ./web/static
COPY --from=assets /app/web/static/dist ./web/static/dist
COPY --from=assets /app/node_modules/world-atlas ./node_modules/world-atlas
COPY --from=assets /app/node_modules/swagger-ui-dist ./node_modules/swagger-ui-dist

RUN useradd --system --uid 10001 --home-dir /app originxr \
    && mkdir -p /app/instance /tmp/prometheus \
    && chown originxr /app/instance /tmp/prometheus
USER originxr

# Shared state lives in DATABASE_URL, REDIS_URL and the blob store; the instance folder
# only holds what a single machine may keep for itself.
ENV ORIGINXR_INSTANCE_PATH=/app/instance \
    ORIGINXR_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    PORT=8000
EXPOSE 8000

# gthread: each open build-progress WebSocket holds one thread, so threads, not workers, set
# how many can be open at once. The metrics folder is emptied first: values a previous run
# left there would be added to this one's.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\"/* && exec gunicorn --worker-class gthread --workers 2 --threads 16 --timeout 60 --graceful-timeout 30 --keep-alive 5 --bind 0.0.0.0:$PORT 'server.web:create_app()'"]
