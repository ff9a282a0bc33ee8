"""The agent: reaching inside a running Python server, from inside it.

Everything here runs in the server's processes; the test process's side
is :mod:`harness.reach`.  The test process holds one end of a private
socket pair per launched server (:mod:`harness.reach.injector`); the
server holds the other, handed over as a descriptor like the lifeline
(``HARNESS_AGENT_FD``).  Nothing listens on a port, and no other process
can reach the channel; the one socket a server's agent listens on, for
the fresh interpreters of the server to check in, admits the test's user
only (:mod:`harness.agent.checkin`).

* :mod:`harness.agent.wire`: length-prefixed pickles on a stream socket.
* :mod:`harness.agent.messages`: the requests on it, one class each
  (the test's, and those an agent relays to its children).
* :mod:`harness.agent.layers`: resolving a dotted target and stacking
  patch and spy layers on it.
* :mod:`harness.agent.clock`: moving the process's wall clock
  (``time-machine``).
* :mod:`harness.agent.serve`: the thread serving the channel in the
  server, and the fork hooks that give every forked worker its own.
* :mod:`harness.agent.boot`: what runs before the server module, for an
  exec'd program (``python -m harness.agent.boot <module> <args>``) and
  for a fork of the preloaded fork-server.
* :mod:`harness.agent.hooks`: what a server registers for a reused stack
  (requests in flight, pausable loops).
* :mod:`harness.agent.checkin`: the fresh interpreters a server starts
  (spawn, ``subprocess``) check in with its first agent, from
  ``site/sitecustomize.py``; :mod:`harness.agent.lazy` puts their
  patches on when the target's module is imported.
* :mod:`harness.agent.reexec`: a ``python -m`` re-exec keeps its agent.

Importing any of these starts nothing (no thread, descriptor or hook):
the fork-server may import them before it forks.  Each spy's calls go to
a file of the test's as they happen (:class:`harness.agent.layers.Spy`).
"""
