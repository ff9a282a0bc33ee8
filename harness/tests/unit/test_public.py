"""The public face: ``harness.__all__`` and every documented import path."""

import importlib
import subprocess
import sys

import testtools

import harness

#: Documented module -> the module that holds its code now.
DOCUMENTED = {
    'harness.functional': 'harness.glance.functional',
    'harness.utils': 'harness.glance.utils',
    'harness.servers': 'harness.glance.servers',
    'harness.readiness': 'harness.process.readiness',
    'harness.reuse': 'harness.stack.reuse',
    'harness.resources': 'harness.integrations.resources',
    'harness.pytest_plugin': 'harness.integrations.pytest_plugin',
}


def _imported_after(code):
    """The ``harness.service`` modules a fresh interpreter has after
    running *code*."""
    probe = code + ('; import sys; print(sorted(m for m in sys.modules '
                    'if m.startswith("harness.service")))')
    return subprocess.run([sys.executable, '-c', probe], capture_output=True,
                          text=True, check=True).stdout.strip()


class PublicTest(testtools.TestCase):

    def test_every_public_name_resolves(self):
        for name in harness.__all__:
            self.assertIsNotNone(getattr(harness, name), name)
        self.assertIn('FunctionalTest', dir(harness))
        self.assertRaises(AttributeError, getattr, harness, 'nothing_here')

    def test_the_documented_modules_are_the_moved_ones(self):
        for old, new in DOCUMENTED.items():
            # The same module object: a patch of the old name reaches the
            # code that runs.
            self.assertIs(importlib.import_module(new),
                          importlib.import_module(old), old)

    def test_the_documented_names_are_the_same_objects(self):
        from harness import fixtures
        from harness import functional
        from harness import server
        self.assertIs(harness.FunctionalTest, functional.FunctionalTest)
        self.assertIs(harness.Server, functional.Server)
        self.assertIs(harness.Server, server.Server)
        self.assertIs(harness.HarnessServer, server.HarnessServer)
        for name in set(fixtures.__all__) & set(harness.__all__):
            self.assertIs(getattr(harness, name), getattr(fixtures, name))
        process = importlib.import_module('harness.process')
        forkserver = importlib.import_module('harness.forkserver')
        self.assertEqual(10.0, process.STOP_TIMEOUT)
        self.assertIsInstance(forkserver.refused(), dict)

    def test_import_harness_imports_no_service(self):
        self.assertEqual('[]', _imported_after('import harness'))
        self.assertEqual('[]', _imported_after(
            'from harness import ServerFixture, StackFixture, Server, '
            'ReusableStack'))
