"""Registers the conformance plugin: the only registration mechanism (no pytest11 entry point).

pytester is loaded too: the suite's own tests run the conformance cases in-process.
"""

pytest_plugins = ["conformance.plugin", "pytester"]
