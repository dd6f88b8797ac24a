# The image every application service of docker-compose.yml runs.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# pg_dump and pg_restore for `manage.py backup` (the major version of docker-compose.yml's
# PostgreSQL), and what WeasyPrint needs to print invoices and reports with Chinese text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-secret-000000000000000000000000 python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app commons && mkdir -p /data && chown commons /data
USER commons
ENV DATA_DIR=/data MEDIA_ROOT=/data/media
EXPOSE 8000
