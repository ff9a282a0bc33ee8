"""Reaching inside a running server (patch, spy, clock): the test
process's side.  The server's side, the agent, is :mod:`harness.agent`.

* :mod:`harness.reach.reachable`: what ``Server`` offers (``patch``,
  ``spy``, ``clock``) and ``ServersClock``;
* :mod:`harness.reach.calls`: what comes back (``Calls``, ``Clock``);
* :mod:`harness.reach.injector`: what each server was asked, sent at
  launch or at once;
* :mod:`harness.reach.channel`: the test's end of one server's channel.
"""
