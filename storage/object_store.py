"""S3-compatible object storage (AWS S3, MinIO, Ceph, R2...) as a team store's Parquet data path,
through DuckDB's ``httpfs`` extension (installed from its PyPI wheel, ``storage.extensions``).

Credentials and endpoint come from the standard AWS environment variables every S3 tool reads, so
the app, the command lines and GPU workers need no LongScope-specific setting:

- ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN`` for temporary ones);
- ``AWS_REGION`` or ``AWS_DEFAULT_REGION``;
- ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` for an S3-compatible server other than AWS
  (``http://minio:9000``): path-style URLs, TLS as the URL's scheme says.

They become one DuckDB secret (``CREATE SECRET ... TYPE s3``, DuckDB's documented way to configure
S3 access), created in the process's team-store DuckDB instance before the store is attached.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

#: data-path prefixes that need httpfs (the others are local or mounted folders)
REMOTE_PREFIXES = ("s3://", "s3a://", "s3n://", "r2://", "gs://", "gcs://", "http://", "https://")


def is_remote(data_path: str | None) -> bool:
    """True for a data path on object storage or HTTP (``s3://bucket/lake/``), False for a folder."""
    return bool(data_path) and data_path.lower().startswith(REMOTE_PREFIXES)


def s3_secret_statement(env: Mapping[str, str]) -> str | None:
    """The ``CREATE OR REPLACE SECRET`` statement for the S3 credentials in ``env`` (see the module
    docstring for the variables), or None when ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
    are not both set (DuckDB then reads only public buckets).

    Raises:
        ValueError: ``AWS_ENDPOINT_URL[_S3]`` is set but is not an ``http(s)://host[:port]`` URL.
    """
    key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    parts = ["TYPE s3", f"KEY_ID {_q(key)}", f"SECRET {_q(secret)}"]
    if env.get("AWS_SESSION_TOKEN"):
        parts.append(f"SESSION_TOKEN {_q(env['AWS_SESSION_TOKEN'])}")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        parts.append(f"REGION {_q(region)}")
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        url = urlparse(endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"AWS_ENDPOINT_URL must look like http://host:port or https://host, got {endpoint!r}")
        parts += [f"ENDPOINT {_q(url.netloc)}", "URL_STYLE 'path'", f"USE_SSL {str(url.scheme == 'https').lower()}"]
    return "CREATE OR REPLACE SECRET longscope_s3 (" + ", ".join(parts) + ")"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
