"""Helpers shared by several test modules (no fixtures: those live in ``tests/conftest.py``)."""
