"""Context traceback: which passages of the context made the model give its answer.

Methods (one value function, several attributors): leave-one-out and single-text contribution,
Monte-Carlo and denoised Shapley, TracLLM's informed search and ensemble (USENIX Security 2025),
ContextCite (NeurIPS 2024), an AttnTrace-style attention scorer (2025), and captum's
``LLMAttribution`` as the reference path. Entry point: :func:`analysis.probes.traceback.run.run_traceback`;
methods: ``methods/registry.py``; job (load, run, store): ``jobs/traceback.py``; command line:
``longscope probe trace`` (or ``python -m analysis.probes.traceback``).
"""
