"""Signals to process groups: the one kill helper and the one liveness
check (of a group or of one pid) of the harness.

Every server, fork-server and private database server leads its own
process group (its own session), so the group id is the leader's pid and
one signal reaches the workers too.  Importing this starts nothing: the
janitor process uses it as well.
"""

import os


def kill_group(pgid, signum):
    """Send *signum* to process group *pgid*.

    :returns: False when the group no longer exists, else True.
    """
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def group_alive(pgid):
    """True while process group *pgid* has a member (one this process may
    not signal counts: it is there)."""
    return _answers(os.killpg, pgid)


def pid_alive(pid):
    """True while process *pid* exists (likewise)."""
    return _answers(os.kill, pid)


def _answers(send, target):
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
