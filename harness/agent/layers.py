"""Patch and spy layers stacked on attributes of the server's modules.

A *target* is a dotted path importable in this process:
``package.module.function`` or ``package.module.Class.method``.  The
first layer put on a target replaces the attribute with a wrapper; every
call then runs through the layers, newest first, down to the original.
Removing the last layer puts the original back exactly (an inherited
method is deleted from the subclass again).

* a *patch* layer waits ``delay`` seconds, then raises a fresh copy of
  its exception, returns its value, or calls through;
* a *spy* layer calls through and records the call (reprs of the
  arguments and of the result or exception) in the file the test reads
  them from.

The table is used under the agent's lock; the wrappers read a snapshot
of a target's layers, so a call in flight never sees half a change.
"""

import functools
import importlib
import inspect
import json
import os
import pickle
import time

from harness import errors

#: Longest repr kept of one argument, result or exception.
MAX_REPR = 1000


class TargetError(errors.HarnessError):
    """The target cannot be resolved or wrapped (inside the server: the
    test process raises :class:`harness.errors.TargetError` from the
    agent's answer).

    :ivar target: the dotted path.
    """

    def __init__(self, target, reason):
        super().__init__(reason)
        self.target = target


def resolve(target):
    """Return ``(owner, attribute name)`` of the dotted path *target*.

    :raises TargetError: no importable module prefix, an import error,
        or a missing attribute.
    """
    parts = target.split('.') if isinstance(target, str) else []
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise TargetError(target, 'not a dotted path such as '
                          'package.module.function')
    owner, index = _import_prefix(target, parts)
    for i in range(index, len(parts) - 1):
        try:
            owner = getattr(owner, parts[i])
        except AttributeError:
            raise TargetError(target, '%s has no attribute %r' % (
                '.'.join(parts[:i]), parts[i])) from None
    name = parts[-1]
    if not hasattr(owner, name):
        raise TargetError(target, '%s has no attribute %r' % (
            '.'.join(parts[:-1]), name))
    return owner, name


def _import_prefix(target, parts):
    """The longest importable module prefix and where the rest begins."""
    for index in range(len(parts) - 1, 0, -1):
        name = '.'.join(parts[:index])
        try:
            return importlib.import_module(name), index
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name
                             or name.startswith(exc.name + '.')):
                continue  # this prefix is not a module: try a shorter one
            raise TargetError(target, 'importing %s failed: %s'
                              % (name, exc)) from None
        except Exception as exc:
            raise TargetError(target, 'importing %s failed: %s: %s' % (
                name, type(exc).__name__, exc)) from None
    raise TargetError(target, 'no module named %r' % parts[0])


def short_repr(value):
    """``repr(value)``, cut to :data:`MAX_REPR` characters."""
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the call
        text = '<repr failed: %s>' % type(exc).__name__
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + '...'


class Patch(object):
    """Raise, return or delay (see the module docstring)."""

    def __init__(self, spec):
        self.delay = spec.get('delay')
        self.raises = spec.get('raises')    # pickled: a fresh one per call
        self.returns = spec.get('returns')  # pickled, or None for "unset"
        self.value = (pickle.loads(self.returns)
                      if self.returns is not None else None)
        if self.raises is not None:
            pickle.loads(self.raises)  # fail at apply, not at first call

    def run(self, call_through, args, kwargs):
        if self.delay:
            time.sleep(self.delay)
        if self.raises is not None:
            exc = pickle.loads(self.raises)
            raise exc
        if self.returns is not None:
            return self.value
        return call_through()


class Spy(object):
    """Record each call: pid, monotonic time, args, kwargs, outcome.

    Each record is written as it is made, one JSON line appended to the
    file the test named (``calls_path``), by one ``write``: a process
    that exits next, even by ``os._exit``, has lost nothing, and every
    process of the server appends to the same file (``O_APPEND`` keeps
    each line whole).
    """

    def __init__(self, spec):
        self.path = spec['calls_path']

    def run(self, call_through, args, kwargs):
        record = {'pid': os.getpid(), 'time': time.monotonic(),
                  'args': [short_repr(a) for a in args],
                  'kwargs': {k: short_repr(v) for k, v in kwargs.items()},
                  'result': None, 'exception': None}
        try:
            result = call_through()
        except BaseException as exc:
            record['exception'] = short_repr(exc)
            self.write(record)
            raise
        record['result'] = short_repr(result)
        self.write(record)
        return result

    def write(self, record):
        """Append *record*; opened and closed each time, so no descriptor
        outlives the call (nor can a spy's end close one under it)."""
        line = (json.dumps(record) + '\n').encode('utf-8')
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # a call that outlived its spy: the test ended it
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


class Slot(object):
    """One wrapped attribute: the original and the layers on it."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name
        self.raw = inspect.getattr_static(owner, name)
        self.had_own = name in getattr(owner, '__dict__', {})
        self.layers = ()
        kind = type(self.raw)
        if kind in (staticmethod, classmethod):
            self.func = self.raw.__func__
        else:
            self.func = self.raw
        if not callable(self.func):
            raise TargetError(name, 'it is not callable')
        wrapper = self._wrapper()
        self.installed = kind(wrapper) if kind in (staticmethod,
                                                   classmethod) else wrapper
        setattr(owner, name, self.installed)

    def _wrapper(self):
        slot = self

        def wrapper(*args, **kwargs):
            return slot.call(slot.layers, args, kwargs)
        try:
            functools.update_wrapper(wrapper, self.func)
        except (AttributeError, TypeError):
            pass  # a builtin without the usual attributes: still callable
        return wrapper

    def call(self, layers, args, kwargs):
        if not layers:
            return self.func(*args, **kwargs)
        return layers[-1].run(
            lambda: self.call(layers[:-1], args, kwargs), args, kwargs)

    def restore(self):
        if self.had_own:
            setattr(self.owner, self.name, self.raw)
        else:
            delattr(self.owner, self.name)


class Table(object):
    """Every layer of this process, by id."""

    def __init__(self):
        self.slots = {}   # (id(owner), name) -> Slot
        self.layers = {}  # layer id -> (Slot, layer)
        self.specs = {}   # layer id -> what apply() was given, in order

    def apply(self, spec):
        """Put the layer described by *spec* on its target.

        :raises TargetError: see :func:`resolve`.
        """
        if spec['id'] in self.layers:
            return
        layer = (Spy if spec['kind'] == 'spy' else Patch)(spec)
        owner, name = resolve(spec['target'])
        key = (id(owner), name)
        slot = self.slots.get(key)
        if slot is None:
            try:
                slot = Slot(owner, name)
            except TargetError as exc:
                raise TargetError(spec['target'], str(exc)) from None
            self.slots[key] = slot
        # Spies on top (called first): they see every call, whatever
        # patch is under them; otherwise the newest layer is on top.
        slot.layers = tuple(sorted(slot.layers + (layer,),
                                   key=lambda item: isinstance(item, Spy)))
        self.layers[spec['id']] = (slot, layer)
        self.specs[spec['id']] = spec

    def remove(self, layer_id):
        """Take layer *layer_id* off; restore the original if it was the
        last one of its target.  Unknown ids are ignored."""
        found = self.layers.pop(layer_id, None)
        self.specs.pop(layer_id, None)
        if found is None:
            return
        slot, layer = found
        slot.layers = tuple(item for item in slot.layers
                            if item is not layer)
        if not slot.layers:
            slot.restore()
            del self.slots[(id(slot.owner), slot.name)]
