"""The requests of the agent protocol, written once for both ends.

The test (:mod:`harness.reach.injector`), an agent relaying to the
processes its server forked (:mod:`harness.agent.serve`) and a re-exec
handing its state over (:mod:`harness.agent.reexec`) each build one of
the classes below; the agent reads it back with :meth:`Request.
from_wire` and dispatches on its class.  On the wire a request stays a
dict whose ``op`` names it (:meth:`Request.to_wire`), framed by
:mod:`harness.agent.wire`:

* :class:`Init` {layers, clock}: the state to have before the module
  runs (at launch, to a forked or checked-in process, after a re-exec);
* :class:`Apply` {layer}, :class:`Remove` {id}: a patch or spy layer on
  or off (a layer is the dict :class:`harness.agent.layers.Table` reads);
* :class:`SetClock` {state}: see :mod:`harness.agent.clock`;
* :class:`Status` {wait}, :class:`Pause` {timeout}, :class:`Resume`:
  quiescence, see :mod:`harness.agent.hooks`;
* :class:`Reach` {expect, wait}: take the processes checking in
  (:mod:`harness.agent.checkin`);
* :class:`Ping`: nothing, answered.

The answers stay plain dicts: ``{'ok': True, 'value': ...}`` (a
``reaching`` request's adds ``pids``, ``kids`` and ``refused``), or
:func:`failure`'s.  Importing this module starts nothing and imports
only :mod:`harness.errors` and :mod:`harness.agent.wire`.
"""

from harness.agent import wire


class BadMessage(wire.BadFrame):
    """A frame that decodes, but to no request of this protocol: an
    unknown ``op``, a field missing, one too many or of the wrong kind."""


def _seconds(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not value >= 0:
        raise BadMessage('%s=%r is not a number of seconds' % (name, value))
    return value


def _layer_id(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadMessage('id=%r is not a layer id' % (value,))
    return value


def _layer(value):
    """A layer spec: a dict with an id and a kind (the rest is
    :mod:`harness.agent.layers`' to read)."""
    if not isinstance(value, dict) or value.get('kind') not in (
            'patch', 'spy'):
        raise BadMessage('layer=%r is not a patch or spy layer' % (value,))
    _layer_id(value.get('id'))
    return value


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage('%s=%r is not a number' % (name, value))
    return value


def _clock_state(value):
    """None, ``('frozen', timestamp)`` or ``('offset', seconds)``."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2 \
            or value[0] not in ('frozen', 'offset'):
        raise BadMessage('state=%r is not a clock state' % (value,))
    return (value[0], _number(value[0], value[1]))


class Request(object):
    """One request to an agent; a subclass per ``op``.

    Each subclass names its fields in ``__slots__``, in the order of its
    constructor's arguments; those without a default are required on the
    wire.
    """

    __slots__ = ()
    #: The name of the request on the wire.
    op = None
    #: True: the answer says which processes it reached (``pids``,
    #: ``kids``, ``refused``).
    reaching = False
    #: The fields a frame must have (set for each subclass).
    required = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Read off the constructor, so the fields are written once.
        init = cls.__init__
        names = init.__code__.co_varnames[1:init.__code__.co_argcount]
        if names != cls.__slots__:
            raise TypeError('%s: __slots__ %r are not the arguments %r'
                            % (cls.__name__, cls.__slots__, names))
        cls.required = names[:len(names) - len(init.__defaults__ or ())]

    def to_wire(self):
        """The dict sent for this request: its fields and its ``op``."""
        frame = {name: getattr(self, name) for name in self.__slots__}
        frame['op'] = self.op
        return frame

    @classmethod
    def from_wire(cls, frame):
        """The request of *frame* (a dict with an ``op``); on a subclass,
        only a request of that class.

        :raises BadMessage: *frame* is no such request.
        """
        if not isinstance(frame, dict):
            raise BadMessage('not a request: %r' % (frame,))
        fields = dict(frame)
        op = fields.pop('op', None)
        kind = REQUESTS.get(op) if type(op) is str else None
        if kind is None:
            raise BadMessage('unknown request op %r' % (op,))
        if not issubclass(kind, cls):
            raise BadMessage('a %r request where %r was expected'
                             % (op, cls.op))
        try:
            return kind(**fields)
        except TypeError as exc:
            # Only then are the fields compared: the usual request pays
            # for the call alone.
            raise BadMessage(kind._wrong_fields(fields) or '%r request: %s'
                             % (op, exc)) from None

    @classmethod
    def _wrong_fields(cls, fields):
        """Why *fields* are not those of this request (None: they are)."""
        missing = [name for name in cls.required if name not in fields]
        extra = sorted(map(str, set(fields).difference(cls.__slots__)))
        wrong = []
        if missing:
            wrong.append('missing field(s) ' + ', '.join(missing))
        if extra:
            wrong.append('unknown field(s) ' + ', '.join(extra))
        if not wrong:
            return None
        return '%r request with %s' % (cls.op, '; '.join(wrong))

    def combine(self, value, child_value):
        """The value of this request for a process and the children it
        relays to: here, the process's own."""
        return value

    def __eq__(self, other):
        return type(self) is type(other) and self.to_wire() == other.to_wire()

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, ', '.join(
            '%s=%r' % (name, getattr(self, name)) for name in self.__slots__))


class Init(Request):
    """The layers and clock to have before the server's module runs."""

    __slots__ = ('layers', 'clock')
    op = 'init'

    def __init__(self, layers=(), clock=None):
        if not isinstance(layers, (list, tuple)):
            raise BadMessage('layers=%r is not a list of layers' % (layers,))
        self.layers = [_layer(layer) for layer in layers]
        self.clock = _clock_state(clock)


class Apply(Request):
    """Put patch or spy *layer* on, in every process of the server."""

    __slots__ = ('layer',)
    op = 'apply'
    reaching = True

    def __init__(self, layer):
        self.layer = _layer(layer)


class Remove(Request):
    """Take the layer *id* off (an unknown one: nothing to do)."""

    __slots__ = ('id',)
    op = 'remove'

    def __init__(self, id):  # the field's name on the wire
        self.id = _layer_id(id)


class SetClock(Request):
    """Move the server's wall clock to *state*
    (:mod:`harness.agent.clock`)."""

    __slots__ = ('state',)
    op = 'clock'
    reaching = True

    def __init__(self, state):
        self.state = _clock_state(state)


class Status(Request):
    """This process's pid, boot token and work in flight, after waiting up
    to *wait* seconds for none."""

    __slots__ = ('wait',)
    op = 'status'

    def __init__(self, wait=0):
        self.wait = _seconds('wait', wait)

    def combine(self, value, child_value):
        """Work in flight counts that of every process."""
        return dict(value, busy=value['busy'] + child_value['busy'])


class Pause(Request):
    """Hold the program's loops at a pass boundary; the answer is True
    once none is mid-pass, waited for up to *timeout* seconds."""

    __slots__ = ('timeout',)
    op = 'pause'

    def __init__(self, timeout=0):
        self.timeout = _seconds('timeout', timeout)

    def combine(self, value, child_value):
        """Paused only if every process is."""
        return value and child_value


class Resume(Request):
    """Let the loops :class:`Pause` held run again."""

    __slots__ = ()
    op = 'resume'

    def __init__(self):
        pass


class Reach(Request):
    """Take the processes checking in, waiting up to *wait* seconds for
    the pids *expect*."""

    __slots__ = ('expect', 'wait')
    op = 'reach'
    reaching = True

    def __init__(self, expect=(), wait=0):
        if not isinstance(expect, (list, tuple, set, frozenset)) or any(
                isinstance(pid, bool) or not isinstance(pid, int)
                for pid in expect):
            raise BadMessage('expect=%r is not a list of pids' % (expect,))
        self.expect = list(expect)
        self.wait = _seconds('wait', wait)


class Ping(Request):
    """Nothing to do: the answer says the agent serves."""

    __slots__ = ()
    op = 'ping'

    def __init__(self):
        pass


#: Each request class by its ``op``.
REQUESTS = {kind.op: kind for kind in (Init, Apply, Remove, SetClock, Status,
                                       Pause, Resume, Reach, Ping)}


def failure(error):
    """The answer saying a request failed, for *error* (an exception or a
    sentence); not about a target (a :class:`harness.agent.layers.
    TargetError` says which, see :mod:`harness.agent.serve`)."""
    if isinstance(error, BaseException):
        error = '%s: %s' % (type(error).__name__, error)
    return {'ok': False, 'target': False, 'error': error}


def send(sock, request):
    """Send *request* (a :class:`Request`) on *sock*."""
    wire.send(sock, request.to_wire())


def receive(sock):
    """The next request on *sock* (blocking as the socket is).

    :raises wire.ChannelClosed: the other end is gone.
    :raises wire.BadFrame: a frame that is no request (read whole: the
        next one can still be read).
    """
    return Request.from_wire(wire.recv(sock))
