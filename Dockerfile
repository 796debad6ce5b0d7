# syntax=docker/dockerfile:1
# Production image of the Tværs API.  Used by compose.yaml (`docker compose up --build`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# psycopg (eventsourcing's PostgreSQL driver) is installed without a bundled libpq;
# fonts-dejavu-core: DejaVu Sans for the story PDF (api/story/pdf.py; without it, the
# DejaVu Sans Mono inside Typst).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies are pinned by constraints.txt (`make lock`); the four packages are the app.
COPY pyproject.toml constraints.txt README.md ./
COPY aggregates/ aggregates/
COPY services/ services/
COPY projections/ projections/
COPY api/ api/
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin tvaers

USER tvaers
EXPOSE 8000
CMD ["tvaers", "serve", "--host", "0.0.0.0"]
