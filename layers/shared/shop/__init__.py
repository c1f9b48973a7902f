"""Shared code of the shop's functions, shipped as the `SharedLayer` Lambda layer.

Dependencies point one way: handlers (functions/*/app.py) -> services -> adapters;
models, errors and settings are shared by all.
"""
