"""Conformance suite for OpenAI-compatible "Update chat completion" endpoints."""

__version__ = "0.2.0"
