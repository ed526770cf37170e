"""Live probes on a causal LM: NIAH sweep, retrieval-head detection, context traceback.

torch and transformers are imported lazily inside these modules' functions or on first import of
the submodules, never by the results pages.
"""
