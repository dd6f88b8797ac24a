# The image every application service of docker-compose.yml runs.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-secret-000000000000000000000000 python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app commons && mkdir -p /data && chown commons /data
USER commons
ENV DATA_DIR=/data MEDIA_ROOT=/data/media
EXPOSE 8000
