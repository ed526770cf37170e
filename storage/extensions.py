"""DuckDB extensions for the team store, installed from their PyPI wheels (never downloaded).

``duckdb-extension-ducklake``, ``duckdb-extension-postgres`` (and, for an S3 data path,
``duckdb-extension-httpfs``) ship the ``.duckdb_extension`` file for one DuckDB version; it must
equal the installed ``duckdb`` (requirements.txt pins both).
"""
from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

#: DuckDB extension name -> PyPI package that ships it
PACKAGES = {"ducklake": "duckdb-extension-ducklake", "postgres": "duckdb-extension-postgres",
            "httpfs": "duckdb-extension-httpfs"}


def extension_file(name: str) -> Path:
    """Path of the ``<name>.duckdb_extension`` file inside its installed PyPI wheel.

    Raises:
        RuntimeError: the package is not installed, or ships no file for this DuckDB version.
    """
    package = PACKAGES[name]
    try:
        module = importlib.import_module(package.replace("-", "_"))
    except ImportError:
        raise RuntimeError(f"the team store needs the DuckDB extension {name!r}: "
                           f"pip install {package}=={duckdb.__version__}") from None
    files = sorted(Path(module.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not files:
        raise RuntimeError(f"{package} has no extension file for duckdb {duckdb.__version__}: "
                           f"pip install {package}=={duckdb.__version__}")
    return files[0]


def load_extensions(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """INSTALL each extension from its wheel's file, then LOAD it; turns off DuckDB's automatic
    download of extensions on ``con``, so nothing is fetched from the network."""
    con.execute("SET autoinstall_known_extensions = false")
    for name in names:
        con.execute(f"INSTALL '{extension_file(name)}'")
        con.execute(f"LOAD {name}")
