"""The reference stack: the API, registry and scrubber of the bundled
image service, laid out in a test directory and started together.

* :mod:`harness.stack.layout`: ``Stack``, laid out (ports, ``etc/``, the
  three servers declared), its start and stop;
* :mod:`harness.stack.fixture`: ``StackFixture``, a started stack;
* :mod:`harness.stack.reuse`: ``ReusableStack``, one stack shared by
  consecutive tests, reset and verified between them;
* :mod:`harness.stack.reset`: what that reset restores and checks
  besides the tables (:mod:`harness.databases.tables`);
* :mod:`harness.stack.cli`: ``harness-stack``, a stack up until Ctrl-C.
"""
