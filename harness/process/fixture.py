"""Any one server as a fixture, and what every harness fixture uses.

In the ``fixtures`` library's style: ``_setUp`` acquires one thing at a
time and registers its release with ``addCleanup`` right after, so a
failure half-way releases exactly what was acquired, newest first.

* :class:`ServerFixture` starts any :class:`harness.process.server.Server`
  with every guarantee ``FunctionalTest`` gives: pre-bound socket,
  readiness, fail fast, a retry on a fresh port only on a port clash,
  bounded stop of the process group, and the janitor (through
  :mod:`harness.process.child`); :class:`NewServerFixture` gives it a
  directory and a port of its own first.
* The reference stack's fixture is
  :class:`harness.stack.fixture.StackFixture`.
* Server logs are details, with :func:`harness.process.logs.details`'
  de-duplication; they are read when the details are (testtools reads a
  fixture's details at the end of the test, before the fixture stops).

Failures raise :class:`harness.errors.HarnessError` subclasses (the
start and stop logic itself is :mod:`harness.process.launch`'s); a
failed ``setUp`` of a harness fixture raises exactly one of them, with
the logs it read before cleaning up (:class:`OneError`).  This
module is ``harness.process.fixture``; ``import fixtures`` below is the
``fixtures`` library.
"""

import functools
import os

import fixtures
from testtools import content

from harness import errors
from harness.process import launch
from harness.process import logs
from harness.process import ports
from harness.process.testdir import TestDir

__all__ = ['NewServerFixture', 'OneError', 'ServerFixture', 'TestDir',
           'add_log_details', 'set_up']


def log_names(server):
    """The detail names :func:`harness.process.logs.details` may give
    *server*."""
    return [os.path.basename(path) for path in logs.paths(server)]


def _log_bytes(server, name):
    return [dict(logs.details(server)).get(name, '').encode('utf-8')]


def add_log_details(fixture, servers):
    """Give *fixture* a detail per log of *servers*, read when it is read.

    A log empty by then is an empty detail (testtools lists those under
    "Empty attachments").
    """
    for server in servers:
        for name in log_names(server):
            fixture.addDetail(name, content.Content(
                content.UTF8_TEXT, functools.partial(_log_bytes, server,
                                                     name)))


class FailureDetails(object):
    """Whether a testtools *test* failed and, at its cleanup, the logs
    *source()* gives (``[(name, text)]``) as its details if it did.

    Made in ``setUp``: its cleanup runs after those registered later.

    :ivar failed: True once ``setUp``, the test or an earlier cleanup
        raised.
    """

    def __init__(self, test, source):
        self.failed = False
        self._test = test
        self._source = source
        test.addOnException(self._note)
        test.addCleanup(self._attach)

    def _note(self, exc_info, tb_label='traceback'):
        self.failed = True

    def _attach(self):
        if self.failed:
            for name, text in self._source():
                self._test.addDetail(name, content.text_content(text))


def _first_error(exc):
    """``(error, traceback, texts, cleanup_errors)`` of the
    ``MultipleExceptions`` *exc* a ``fixtures`` setUp raised: the error
    that broke it, the details its ``SetupError`` holds (``{name: text}``,
    empty ones left out) and the errors of its cleanups."""
    _, error, trace = exc.args[0]
    setup = exc.args[-1]
    texts, others = {}, exc.args[1:]
    if setup[0] is fixtures.SetupError:
        others = exc.args[1:-1]
        texts = {name: detail.as_text()
                 for name, detail in setup[1].args[0].items()}
    texts = {name: text for name, text in texts.items() if text}
    return error, trace, texts, [other[1] for other in others]


def set_up(fixture):
    """``fixture.setUp()``; on failure, raise the error that broke it.

    The ``fixtures`` library raises ``MultipleExceptions`` (the error, any
    cleanup errors, and a ``SetupError`` holding the details it read before
    cleaning up).  This raises the first error instead, with those details
    as ``error.details`` (``{name: text}``, empty ones left out).  The
    harness's own fixtures (:class:`OneError`) already do.

    :returns: *fixture*.
    """
    try:
        fixture.setUp()
    except fixtures.MultipleExceptions as exc:
        error, trace, texts, _ = _first_error(exc)
        error.details = texts
        raise error.with_traceback(trace) from None
    return fixture


class OneError(fixtures.Fixture):
    """A fixture whose failed ``setUp`` raises the one error that broke
    it, whether it is set up directly, through ``useFixture`` (testtools'
    or a fixture's) or nested in another :class:`OneError`.

    ``fixtures`` raises ``MultipleExceptions`` (that error, any cleanup
    errors and a ``SetupError`` holding the details), and a nested fixture
    nests them; it also reads the details lazily, after the cleanup
    removed the logs, whenever testtools was imported before it (its
    ``gather_details`` import is then circular).  Here the details are
    read before the cleanup, and the error raised carries them as
    ``error.details`` (``{name: text}``, empty ones left out) and the
    cleanup errors as ``error.cleanup_errors``; ``getDetails()`` still
    gives them once the fixture is cleaned up, so a testtools test or an
    outer fixture attaches them as it would have.
    """

    _failure_details = None

    def setUp(self):
        """``fixtures.Fixture.setUp``, but a failure raises the one error
        that broke it, with ``details`` and ``cleanup_errors``, after
        cleaning up."""
        # fixtures.Fixture.setUp, but for what happens on a failure
        # (overriding setUp is supported by the fixtures library).
        self._failure_details = None
        self._clear_cleanups()
        try:
            self._setUp()
        except Exception as exc:
            texts = dict(getattr(exc, 'details', None) or {})
            texts.update((name, detail.as_text()) for name, detail
                         in self.getDetails().items())
            cleanups = self.cleanUp(raise_first=False) or []
            exc.details = {name: text for name, text in texts.items()
                           if text}
            exc.cleanup_errors = [error[1] for error in cleanups]
            self._failure_details = {
                name: content.text_content(text)
                for name, text in exc.details.items()}
            # testtools' useFixture reads the details of a failed fixture
            # only when this is set (its own compatibility check).
            self._details = self._failure_details
            raise
        except BaseException:
            self.cleanUp(raise_first=False)
            raise

    def getDetails(self):
        """The live details; those read before a failed setUp cleaned up,
        after one."""
        if self._failure_details is not None and self._cleanups is None:
            return dict(self._failure_details)
        return super().getDetails()


# -- fixtures ---------------------------------------------------------------
class ServerFixture(OneError):
    """*server* started and ready; stopped (bounded) on cleanUp.

    :param server: any :class:`harness.process.server.Server`,
        ``server_module`` or ``command``, preloaded or not.
    :param max_retries: launches tried, each on a fresh pre-bound port,
        while the port turns out to be taken.
    :param kwargs: overrides of conf template keys, as ``start()`` takes.
    """

    def __init__(self, server, max_retries=3, **kwargs):
        super().__init__()
        if max_retries < 1:
            raise errors.HarnessError('ServerFixture needs max_retries >= 1, '
                                      'not %r' % (max_retries,))
        self.server = server
        self.max_retries = max_retries
        self.kwargs = kwargs

    @property
    def port(self):
        """The port the server listens on (it may move on a clash)."""
        return self.server.bind_port

    def url(self, path='/'):
        """``http://127.0.0.1:<port><path>``."""
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def _setUp(self):
        add_log_details(self, [self.server])
        self.addCleanup(self.server.close_socket)
        # stop() is idempotent: registered once, it covers every launch
        # start_with_retry makes.
        self.addCleanup(launch.stop_all, [self.server])
        launch.start_with_retry(self.server, self.max_retries,
                                **self.kwargs)


class NewServerFixture(OneError):
    """``server_class(test_dir, port, sock=sock)`` in a directory and on a
    pre-bound port of its own, started as :class:`ServerFixture` with
    *kwargs*; exposes ``server``, ``port``, ``url()`` and ``test_dir``.

    :param server_class: a ``Server`` subclass, or any callable with that
        signature (``functools.partial`` for other arguments).
    """

    def __init__(self, server_class, **kwargs):
        super().__init__()
        self.server_class = server_class
        self.kwargs = kwargs

    def _setUp(self):
        self.test_dir = self.useFixture(TestDir()).path
        port, sock = ports.unused_port_and_socket()
        self.addCleanup(sock.close)
        self.server = self.server_class(self.test_dir, port, sock=sock)
        self.started = self.useFixture(ServerFixture(self.server,
                                                     **self.kwargs))

    @property
    def port(self):
        """The port the server listens on."""
        return self.started.port

    def url(self, path='/'):
        """``http://127.0.0.1:<port><path>``."""
        return self.started.url(path)
