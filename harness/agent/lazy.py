"""Layers for targets a process has not imported yet.

A process the agent reaches after it started (a ``subprocess`` or
``multiprocessing`` spawn child, :mod:`harness.agent.checkin`) boots its
agent from ``sitecustomize``: before its ``sys.path`` is complete and
before its program imported anything.  Importing a patch's target there
would import it too early, or fail where the program itself will
succeed.  So a layer whose target is not imported yet waits, and is put
on when the module that holds it has been imported (a *post-import
hook*, as ``wrapt`` makes them): :class:`LazyTable` is
:class:`harness.agent.layers.Table` with that waiting, :class:`Watcher`
the finder on ``sys.meta_path`` that tells it.

A call to such a target before its module is imported cannot happen, so
the layer is in force for every call the process makes.
"""

import sys
import threading

from harness.agent import layers


def resolve_loaded(target):
    """``(owner, name)`` of *target* from the modules imported already,
    or None if it is not there yet (nothing is imported)."""
    parts = target.split('.')
    for index in range(len(parts) - 1, 0, -1):
        owner = sys.modules.get('.'.join(parts[:index]))
        if owner is None:
            continue
        for name in parts[index:-1]:
            owner = getattr(owner, name, None)
            if owner is None:
                return None
        return (owner, parts[-1]) if hasattr(owner, parts[-1]) else None
    return None


class _Notifying(object):
    """A module's loader that tells :class:`Watcher` once it ran."""

    def __init__(self, loader, done):
        self.loader = loader
        self.done = done

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        # The module keeps its own loader, as if we had never been there.
        if getattr(module, '__loader__', None) is self:
            module.__loader__ = self.loader
        spec = getattr(module, '__spec__', None)
        if spec is not None and spec.loader is self:
            spec.loader = self.loader
        self.done(module.__name__)


class Watcher(object):
    """A finder first on ``sys.meta_path`` that finds nothing itself: for
    a watched module it asks the finders after it, and wraps the loader
    they found so that *callback(name)* runs once the module ran."""

    def __init__(self, callback):
        self.callback = callback
        self.names = set()

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        for finder in list(sys.meta_path):
            find = getattr(finder, 'find_spec', None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
            spec.loader = _Notifying(spec.loader, self.callback)
        return spec


class LazyTable(layers.Table):
    """A :class:`harness.agent.layers.Table` that imports nothing: a layer
    whose target is not imported yet waits for it (see the module)."""

    def __init__(self):
        super().__init__()
        self.pending = {}  # layer id -> spec
        # Reentrant: an import under it (a Slot's getattr) may run a hook.
        self.lock = threading.RLock()
        self.watcher = None

    def apply(self, spec):
        with self.lock:
            if spec['id'] in self.layers or spec['id'] in self.pending:
                return
            if resolve_loaded(spec['target']) is None:
                self.pending[spec['id']] = spec
                self.specs[spec['id']] = spec
                self._watch(spec['target'])
                return
            super().apply(spec)

    def remove(self, layer_id):
        with self.lock:
            if self.pending.pop(layer_id, None) is not None:
                self.specs.pop(layer_id, None)
                return
            super().remove(layer_id)

    def after_fork(self):
        """In a forked child: a lock another thread of the parent held at
        the fork (an import hook) would never be released here."""
        self.lock = threading.RLock()

    def _watch(self, target):
        if self.watcher is None:
            self.watcher = Watcher(self.imported)
            sys.meta_path.insert(0, self.watcher)
        parts = target.split('.')
        self.watcher.names.update('.'.join(parts[:index])
                                  for index in range(1, len(parts)))

    def imported(self, name):
        """Module *name* was imported: put on the layers now resolved."""
        with self.lock:
            for layer_id, spec in list(self.pending.items()):
                if resolve_loaded(spec['target']) is None:
                    continue
                del self.pending[layer_id]
                del self.specs[layer_id]
                try:
                    super().apply(spec)
                except layers.TargetError as exc:
                    # Resolved in the server's first process, not here:
                    # say so in this one's log, and go on.
                    sys.stderr.write('harness agent: cannot patch %s in '
                                     'process: %s\n' % (spec['target'], exc))
