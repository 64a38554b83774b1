"""Registers the conformance plugin for pytest in this repository.

No pytest11 entry point: one would load the plugin into every pytest run of a venv where the
package is installed (a vendor's own test suite would get its options, and pytest-timeout's
--timeout would clash), and it would still load after pytest has chosen its root directory.
The installed command (conformance.cli) loads the plugin itself, with --noconftest.

pytester is loaded too: the suite's own tests run the conformance cases in-process.
"""

pytest_plugins = ["conformance.plugin", "pytester"]
