"""``harness.fixtures`` shares its name with the ``fixtures`` library that
it (and the rest of the harness) imports: absolute imports keep them apart.
"""

import sys

import fixtures
import testtools

from harness import fixtures as harness_fixtures
from harness import utils
from harness.process import fixture as process_fixture
from harness.stack import layout


class TestNames(testtools.TestCase):

    def test_the_library_is_the_library_everywhere(self):
        self.assertIs(sys.modules['fixtures'], fixtures)
        self.assertTrue(fixtures.__file__.endswith(
            'fixtures/__init__.py'), fixtures.__file__)
        self.assertIs(fixtures, process_fixture.fixtures)
        self.assertIs(fixtures, layout.fixtures)
        self.assertIs(fixtures, utils.fixtures)
        self.assertIsNot(fixtures, harness_fixtures)
        self.assertTrue(issubclass(harness_fixtures.StackFixture,
                                   fixtures.Fixture))
