"""A stack shared by consecutive tests, reset and verified between them.

Opt-in, for tests that only make requests: :class:`ReusableStack` starts
a :class:`harness.fixtures.StackFixture` once and, before each further
test, puts it back as it was right after the start instead of starting
another.  :meth:`ReusableStack.begin` before a test,
:meth:`ReusableStack.end` after it; :mod:`harness.integrations.resources`
(testresources) and the ``harness_reused_stack`` pytest fixture call
them for you.

The reset (:meth:`ReusableStack.reset`): the scrubber daemon, if any,
paused between two runs; every server idle (no request in flight, nor
background work a request started: an import task, a copy-from; waited
for up to :data:`IDLE_TIMEOUT` s); every table emptied but the migration
version; the image, cache and scrub queue directories, the cache index
and ``etc/`` as captured after the start.  Then it is verified: no row,
the directories and files byte-identical, each server the same live
process (same pid, same agent: no reload) with nothing in flight.  What
the reset cannot restore -- a test that failed, changed the policy,
stopped, restarted or reloaded a server, started another one, left a
patch on or a request running, or asked for other keyword arguments --
marks the stack dirty: it is stopped and a fresh one started.
"""

import os

from harness import errors
from harness import fixtures
from harness.agent import messages
from harness.databases import tables
from harness.process import logs
from harness.stack import reset as reset_mod

#: Seconds the reset waits for the requests and background jobs in
#: flight to end (past it, the next test gets a fresh stack).
IDLE_TIMEOUT = 5.0
#: Scrub queue lock files, directly in the test directory.
LOCK_PREFIX = 'harness-scrubber-'


class _NotReset(Exception):
    """The stack cannot be reset: :attr:`reason` says why.

    Control flow inside :meth:`ReusableStack.reset`, which returns the
    reason (the next test gets a fresh stack); it never reaches a user,
    so it is no :class:`harness.errors.HarnessError`, which the reset
    itself catches as a failure to report.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _Baseline(object):
    """What a started stack looks like, captured right after the start."""

    def __init__(self, stack):
        api = stack.api_server
        self.running = [s for s in stack.servers()
                        if s.process is not None and s.process.poll() is None]
        self.procs = {s: s.process for s in self.running}
        self.boots = {s: s.injector.ask(messages.Status())['boot']
                      for s in self.running}
        self.daemons = [s for s in self.running
                        if s is stack.scrubber_daemon]
        self.tables = tables.Tables(stack.registry_server.sql_connection)
        self.index = reset_mod.CacheIndex(api.image_cache_dir)
        self.etc = reset_mod.Tree(os.path.join(stack.test_dir, 'etc'))
        self.policy = os.path.relpath(stack.policy_file, self.etc.root)
        self.trees = [self.etc, reset_mod.Tree(api.image_dir),
                      reset_mod.Tree(api.image_cache_dir,
                                     reset_mod.CacheIndex.FILES),
                      reset_mod.Tree(api.scrubber_datadir)]

    def close(self):
        self.tables.close()
        self.index.close()


class ReusableStack(object):
    """A reference stack shared by consecutive tests.

    Configured once, with :class:`harness.fixtures.StackFixture`'s
    arguments; started by the first :meth:`begin`.  Attributes of the
    running stack (``api_port``, ``registry_port``, ``url()``,
    ``test_dir``, ``api_server``, ``policy_file``...) are read through
    it, so read them anew in each test: a fresh start moves them.

    :ivar starts: how many stacks it started so far.
    :ivar last_reset: what the last :meth:`begin` did: ``'fresh'``,
        ``'reset'`` or ``'restart: <reason>'``.
    """

    def __init__(self, api=None, registry=None, scrubber=None, **kwargs):
        self.config = _config(api, registry, scrubber, kwargs)
        self.fixture = None
        self.dirty = None  # why the next test needs a fresh stack
        self.used = False
        self.starts = 0
        self.last_reset = None
        self._baseline = None
        self._marks = {}

    def __getattr__(self, name):
        fixture = self.__dict__.get('fixture')
        if fixture is None or name.startswith('_'):
            raise AttributeError(name)
        return getattr(fixture, name)

    # -- per test -----------------------------------------------------------

    def begin(self, api=None, registry=None, scrubber=None, **kwargs):
        """Make the stack ready for a test (:meth:`prepare`); remember
        where its logs end, so that :meth:`log_details` gives only what
        the servers write from now on.

        :returns: self.
        """
        self.prepare(api, registry, scrubber, **kwargs)
        self.used = True
        self._marks = {path: logs.size(path) for server in self.servers()
                       for path in logs.paths(server)}
        return self

    def prepare(self, api=None, registry=None, scrubber=None, **kwargs):
        """Reset the stack if a test used it; start a fresh one if it is
        dirty, not started yet, or cannot be reset.

        Keyword arguments other than the configured ones give this test a
        fresh stack of its own, dirty for the next test.
        """
        wanted = _config(api, registry, scrubber, kwargs)
        special = (api, registry, scrubber) != (None, None, None) or kwargs
        if special and wanted != self.config:
            self._restart('non-default keyword arguments', wanted)
            self.dirty = 'the previous test had non-default keyword arguments'
        elif self.fixture is None:
            self._restart(None, self.config)
        elif self.dirty:
            self._restart(self.dirty, self.config)
        elif self.used:
            reason = self.reset()
            if reason:
                self._restart(reason, self.config)
            else:
                self.last_reset = 'reset'
                self.used = False

    def end(self, failed=False):
        """The test is over; a failed one leaves the stack dirty."""
        if failed and not self.dirty:
            self.dirty = 'the previous test failed'

    def mark_dirty(self, reason):
        """Give the next test a fresh stack (*reason* says why)."""
        self.dirty = self.dirty or reason

    def log_details(self):
        """``[(name, text)]``: what each server logged since :meth:`begin`
        (non-empty ones; stderr only beyond the log file)."""
        found = []
        for server in self.servers() if self.fixture else ():
            found += logs.details(server, self._marks)
        return found

    # -- reset --------------------------------------------------------------

    def reset(self):
        """Put the stack back as it was after its start, and verify it.

        :returns: None when the stack is clean, else why it is not (the
            caller starts a fresh one).
        """
        try:
            self._reset(self._baseline)
        except _NotReset as exc:
            return exc.reason
        return None

    def _reset(self, base):
        """Reset and verify, or raise :class:`_NotReset`; the scrubber is
        let go again only once the stack is clean."""
        self._check_processes(base)
        try:
            for daemon in base.daemons:
                # The pass under way gets IDLE_TIMEOUT s to end; the
                # answer, that and the usual margin.
                if not daemon.injector.ask(messages.Pause(IDLE_TIMEOUT),
                                           timeout=IDLE_TIMEOUT + 30):
                    raise _NotReset('the scrubber did not finish its run')
            self._check_idle(base, IDLE_TIMEOUT)
            self._restore(base)
            self._verify(base)
        except _NotReset:
            raise
        except (errors.HarnessError, OSError) as exc:
            raise _NotReset('the reset failed: %s' % exc) from exc
        except Exception as exc:  # the database's errors
            raise _NotReset('the reset failed: %s: %s'
                            % (type(exc).__name__, exc)) from exc
        for daemon in base.daemons:
            daemon.injector.ask(messages.Resume())

    def _check_processes(self, base):
        for server in self.servers():
            proc = server.process
            running = proc is not None and proc.poll() is None
            if server in base.procs:
                if proc is not base.procs[server] or not running:
                    raise _NotReset('the %s server was stopped or restarted'
                                    % server.server_name)
            elif running:
                raise _NotReset('the test started the %s server'
                                % server.server_name)
            if server.injector.layers:
                raise _NotReset('a patch of the %s server is still on'
                                % server.server_name)

    def _check_idle(self, base, wait):
        """Every server is the same program and idle (all asked at once:
        one round trip's time, not one per server)."""
        for server in base.running:
            server.injector.send_ask(messages.Status(wait))
        statuses = [(server, server.injector.answer(wait + 30))
                    for server in base.running]
        for server, status in statuses:
            if status['boot'] != base.boots[server]:
                raise _NotReset('the %s server was reloaded'
                                % server.server_name)
            if status['busy']:
                raise _NotReset('the %s server still had %d request(s) or '
                                'background job(s) in flight'
                                % (server.server_name, status['busy']))

    def _restore(self, base):
        if base.etc.file_changed(base.policy):
            raise _NotReset('the test changed the policy')
        for server in base.running:
            if server.injector.clock_state is not None:
                server.clock.reset()
        base.tables.empty(base.tables.counts())
        base.index.empty()
        for tree in base.trees:
            tree.restore()
        with os.scandir(self.test_dir) as entries:
            for entry in entries:
                if entry.name.startswith(LOCK_PREFIX):
                    os.unlink(entry.path)

    def _verify(self, base):
        left = {name: n for name, n in base.tables.counts().items() if n}
        if left:
            raise _NotReset('rows left after the reset: %s' % left)
        if base.index.rows():
            raise _NotReset('image cache index entries left after the reset')
        for tree in base.trees:
            diff = tree.differences()
            if diff:
                raise _NotReset('left after the reset in %s: %s'
                                % (tree.root, diff))
        self._check_processes(base)
        self._check_idle(base, 0)

    # -- start and stop -----------------------------------------------------

    def servers(self):
        """The servers of the running stack ([] before the first start)."""
        return self.fixture.servers() if self.fixture else []

    def _restart(self, reason, config):
        self.stop()
        api, registry, scrubber, kwargs = config
        fixture = fixtures.StackFixture(api=dict(api), registry=dict(registry),
                                        scrubber=dict(scrubber),
                                        **dict(kwargs))
        fixtures.set_up(fixture)
        self.fixture = fixture
        self.starts += 1
        self.dirty = None
        self.used = False
        self.last_reset = 'restart: %s' % reason if reason else 'fresh'
        self._baseline = _Baseline(fixture)

    def stop(self):
        """Stop the stack (a later :meth:`begin` starts a fresh one)."""
        fixture, self.fixture = self.fixture, None
        baseline, self._baseline = self._baseline, None
        try:
            if baseline is not None:
                baseline.close()
        finally:
            if fixture is not None:
                fixture.cleanUp()


def _config(api, registry, scrubber, kwargs):
    """A comparable form of StackFixture's arguments."""
    def frozen(attrs):
        return tuple(sorted((attrs or {}).items()))
    return (frozen(api), frozen(registry), frozen(scrubber), frozen(kwargs))
