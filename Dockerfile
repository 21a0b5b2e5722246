# The application image: the web process (gunicorn) and the worker run from it (see compose.yaml).
FROM python:3.11-slim-bookworm

# WeasyPrint needs pango and fonts; pg_dump (postgresql-client) is for `manage.py backup` / `release`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fontconfig fonts-liberation2 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 1000 app

# Exactly the locked packages (`make lock`), each checked against its hash; the code runs from /app
# and is not installed itself. The lock alone first, so a code change reuses this layer.
COPY requirements/prod.txt requirements/prod.txt
RUN pip install --require-hashes -r requirements/prod.txt
COPY . .
# Static files are collected into the image (served by whitenoise); a throwaway key is enough for that.
RUN DJANGO_SECRET_KEY=collectstatic-only-$(date +%s%N) python manage.py collectstatic --no-input \
 && mkdir -p /app/media /app/backups && chown -R app:app /app/media /app/backups

USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
