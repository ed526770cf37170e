"""Harness scoring rules as pure functions: one module per harness, each naming the harness file it follows.

Every rule reproduces the published harness's behaviour, quirks included (they are documented
where they matter), so that scores recomputed from prediction files equal the harness's own.
"""
