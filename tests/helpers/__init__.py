"""Helpers shared by test modules (processes, database reads); fixtures live in conftest.py."""
