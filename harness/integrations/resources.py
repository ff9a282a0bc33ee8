"""The reused stack as a ``testresources`` resource, for stestr and testr.

``testresources.OptimisingTestSuite`` runs the tests that share a
resource together and keeps it between them; :class:`ReusedStackResource`
makes that resource a :class:`harness.stack.reuse.ReusableStack`, reset and
verified before each test that follows another (``isDirty`` is true once
a test used it; ``_reset`` is the verified reset, or a fresh start).
:class:`ReusedStackTestCase` is the test side: ``self.stack`` ready for
the test, a failure marks it dirty and carries only the log bytes the
servers wrote during the test.  In a test module::

    from harness import resources

    load_tests = resources.load_tests   # the OptimisingTestSuite


    class TestImages(resources.ReusedStackTestCase):

        def test_list(self):
            ... self.stack.api_port ...

Without ``load_tests`` (or another ``OptimisingTestSuite``) nothing holds
the resource between tests: each test makes and cleans its own stack.
"""

import testresources
import testtools

from harness.process.fixture import FailureDetails
from harness.stack import reuse


class ReusedStackResource(testresources.TestResourceManager):
    """A :class:`harness.stack.reuse.ReusableStack` shared by the tests that
    name it in their ``resources``; arguments as ``StackFixture``'s."""

    def __init__(self, api=None, registry=None, scrubber=None, **kwargs):
        super().__init__()
        self.arguments = dict(api=api, registry=registry, scrubber=scrubber,
                              **kwargs)

    def make(self, dependency_resources):
        """A :class:`harness.stack.reuse.ReusableStack`, not started yet
        (the first test's ``begin()`` starts it)."""
        return reuse.ReusableStack(**self.arguments)  # started by begin()

    def clean(self, resource):
        """Stop the stack *resource*."""
        resource.stop()

    def isDirty(self):
        """True once a test used the stack (it needs a reset) or marked
        it dirty (it needs a fresh start)."""
        stack = self._currentResource
        return stack is not None and bool(stack.used or stack.dirty)

    def _reset(self, resource, dependency_resources):
        resource.prepare()
        return resource


#: The default stack's resource: tests naming it share one stack.
STACK = ReusedStackResource()


def load_tests(loader, tests, pattern):
    """A module's ``load_tests``: its tests in an ``OptimisingTestSuite``,
    which runs those sharing a resource together and keeps it between
    them."""
    return testresources.OptimisingTestSuite(tests)


class ReusedStackTestCase(testtools.TestCase):
    """A test on the shared stack: ``self.stack``, ready for this test.

    :cvar resources: ``(('stack', STACK),)``; name another
        :class:`ReusedStackResource` to share another configuration.
    :cvar stack_kwargs: ``StackFixture`` arguments for a fresh stack of
        each test's own (dirty for the next test); None: the shared one.
        :func:`with_stack` sets them for one test method.
    """

    resources = (('stack', STACK),)
    stack_kwargs = None

    def setUp(self):
        """Take ``self.stack`` from the resource and make it ready for
        this test (``begin()``: reset, or a fresh start); its end, and
        the logs of a failure, are cleanups."""
        super().setUp()
        testresources.setUpResources(self, self.resources, None)
        self.addCleanup(testresources.tearDownResources, self,
                        self.resources, None)
        self.addCleanup(self._end_stack)
        # Its cleanup runs first: the logs, then the end of the test.
        self._failure = FailureDetails(self, self.stack.log_details)
        method = getattr(self, self._testMethodName, None)
        kwargs = getattr(method, 'stack_kwargs', self.stack_kwargs)
        self.stack.begin(**(kwargs or {}))

    def _end_stack(self):
        self.stack.end(self._failure.failed)


def with_stack(**kwargs):
    """Decorator: this test method gets a fresh stack of its own, started
    with *kwargs* (``StackFixture``'s arguments), dirty for the next."""
    def mark(method):
        method.stack_kwargs = kwargs
        return method
    return mark
