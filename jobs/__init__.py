"""The probe application layer: one orchestration module per probe (load the model -> run the pure
algorithm of ``analysis/probes`` -> persist through ``storage/``), and the in-process job queue
(``jobs.queue``). Both the pages (through the queue) and the command line (``cli/``) call the
same function with the same options object; this is the only probe code that imports ``storage``.
"""
