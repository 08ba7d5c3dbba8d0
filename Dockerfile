# syntax=docker/dockerfile:1
# Zairyu Back Office: one image for web (gunicorn), worker and beat. See docs/operations.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=backoffice.settings \
    ZAIRYU_VAR_DIR=/app/var

# gettext: compilemessages (msgfmt). fonts-ipaexfont: Japanese glyphs for the PDFs reportlab builds.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-ipaexfont \
 && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. `[tool.uv] package = false`:
# there is no project package to build; `--no-dev` leaves out the `dev` group (pytest, playwright...).
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev

COPY . .

# Catalogues are compiled into the image (the .mo files are not in git). The runtime user gets
# only /app/var: the code stays read-only to it. The named volumes `var` and `media` are first
# filled from this directory, so they start out owned by that user.
RUN python manage.py compilemessages --ignore=.venv -v0 \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app/var --no-create-home --shell /usr/sbin/nologin app \
 && rm -rf /app/var && mkdir -p /app/var/media \
 && chown -R app:app /app/var

USER app
EXPOSE 8000

# Workers: $WEB_CONCURRENCY (gunicorn reads it). Proxies trusted for X-Forwarded-Proto:
# $FORWARDED_ALLOW_IPS. --no-control-socket: gunicorn 27 (uv.lock) would otherwise try to
# create a control socket under $HOME.
CMD ["gunicorn", "backoffice.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-", "--no-control-socket"]
