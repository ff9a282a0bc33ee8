"""Any server program as a real process: the generic ``Server``, its child
process, readiness, launch logs, process groups, the janitor and ports.

* :mod:`harness.process.server`: ``Server``, one program's conf files and
  start/stop/reload;
* :mod:`harness.process.child`: ``ServerProcess``, one launched child and
  the descriptors tied to it;
* :mod:`harness.process.readiness`: ready byte, TCP, HTTP GET, log regex;
* :mod:`harness.process.launch`: start with retry, wait ready, stop all;
* :mod:`harness.process.fixture`: ``ServerFixture``, ``NewServerFixture``;
* :mod:`harness.process.testdir`: ``TestDir``, the per-test directory
  (kept with ``HARNESS_KEEP_TEST_DIR``);
* :mod:`harness.process.launchlogs`, :mod:`harness.process.logs`: what a
  launch wrote;
* :mod:`harness.process.pgroups`, :mod:`harness.process.janitor`: the one
  kill, and the watchdog of a SIGKILLed test process;
* :mod:`harness.process.ports`: binding 127.0.0.1 ports;
* :mod:`harness.process.forks`: what a forked child does not own.

``harness.process.ServerProcess`` and ``harness.process.STOP_TIMEOUT``
(the names of the former ``harness/process.py``) are read here too, loaded
on first use: the janitor process imports this package and stays small.
"""

from harness import lazy

__getattr__, __dir__ = lazy.attributes(__name__, {
    name: 'harness.process.child'
    for name in ('STOP_TIMEOUT', 'ServerProcess', 'wait_gone')})
