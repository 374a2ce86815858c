# The image Fly.io runs for both the web and the worker process (see fly.toml).
# Installed editable: the app reads its templates, static files and migrations from /app.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock requirements-s3.lock ./
# With the optional S3 store: on Fly a machine's disk does not outlive it, so photos go to a Tigris bucket.
RUN pip install --no-cache-dir -r requirements.lock -r requirements-s3.lock
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && pybabel compile -d backend/locale
CMD ["doolae", "serve"]
