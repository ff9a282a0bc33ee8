"""The harness in other test runners' terms.

* :mod:`harness.integrations.pytest_plugin`: the pytest fixtures
  (registered by the ``pytest11`` entry point; also
  ``harness.pytest_plugin``);
* :mod:`harness.integrations.resources`: the reused stack as a
  testresources resource (also ``harness.resources``).
"""
