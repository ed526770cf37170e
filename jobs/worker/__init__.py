"""The probe worker of the team store: claims probe jobs from the PostgreSQL queue
(``jobs.team_queue``, procrastinate) one at a time, runs them on its device through the same job
functions as the command lines (``jobs/<probe>.py``), and reports progress to the board.

``task`` holds the procrastinate task, ``serve`` starts a worker; run one with
``python -m jobs.worker --store <team store> [--device cuda:0]`` or ``longscope worker``.
"""
