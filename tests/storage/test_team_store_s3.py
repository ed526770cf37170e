"""The team store with its Parquet data on S3-compatible object storage: DuckLake on a throw-away
PostgreSQL, data path ``s3://lake/data/`` on moto's S3 server (server mode, loopback only), credentials
and endpoint from the standard AWS environment variables (``storage.object_store``)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from storage.object_store import is_remote, s3_secret_statement
from tests.factories import niah_run, write_parsed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_secret_from_the_standard_aws_variables():
    env = {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "s'k", "AWS_REGION": "eu-west-1",
           "AWS_ENDPOINT_URL": "http://minio:9000"}
    assert s3_secret_statement(env) == ("CREATE OR REPLACE SECRET longscope_s3 (TYPE s3, KEY_ID 'AK', SECRET 's''k', "
                                        "REGION 'eu-west-1', ENDPOINT 'minio:9000', URL_STYLE 'path', USE_SSL false)")
    assert s3_secret_statement({"AWS_ACCESS_KEY_ID": "AK"}) is None  # no secret key: public buckets only
    with pytest.raises(ValueError, match="AWS_ENDPOINT_URL must look like"):
        s3_secret_statement({**env, "AWS_ENDPOINT_URL": "minio:9000"})
    assert is_remote("s3://lake/data/") and is_remote("S3://x") and not is_remote("/srv/lake") and not is_remote(None)


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3 server on a free loopback port with an empty bucket ``lake``; the AWS variables
    point every client of this process (and its children) at it."""
    pytest.importorskip("moto.server", reason="moto[server] (requirements-dev.txt) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("moto's S3 server did not start within 60 s")
            time.sleep(0.2)  # polling the server's readiness
    for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": url}.items():
        monkeypatch.setenv(k, v)
    import boto3

    boto3.client("s3").create_bucket(Bucket="lake")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_team_store_with_an_s3_data_path(pg_cluster, s3_server):
    import boto3

    from storage.db import open_store
    from storage.trials import heatmap_cells

    url = f"ducklake:postgres:{pg_cluster.create_database('lake_s3')}"
    store = open_store(url, data_path="s3://lake/data/")
    ids = write_parsed(store, [niah_run("m", [1000, 2000], [0.0, 100.0], lambda L, d, t: 1.0 if L == 1000 else 0.0)])
    cells = heatmap_cells(store, [ids["niah:m"]])
    assert cells.sort_values("context_length")["mean_score"].tolist() == [1.0, 1.0, 0.0, 0.0]
    store.checkpoint()  # small writes are inlined in the catalog; maintenance moves them into Parquet on S3
    store.close()
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="lake").get("Contents", [])]
    assert any(k.startswith("data/") and k.endswith(".parquet") for k in keys), keys

    # another process (a GPU worker, a CLI) opens it with the URL alone: the data path is read from the
    # catalog, the credentials from the same AWS variables
    code = ("import json, sys; from storage.db import open_store; from storage.trials import heatmap_cells; "
            f"s = open_store({url!r}); print(json.dumps(heatmap_cells(s, [{ids['niah:m']}])['n'].tolist()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "LONGSCOPE_DATA_PATH": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [1, 1, 1, 1]
