"""Conformance suite for OpenAI-compatible "Update chat completion" endpoints."""

__version__ = "0.1.0"
