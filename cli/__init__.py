"""The ``longscope`` command line (``cli.main``): ``ingest`` and ``probe niah|heads|trace``."""
