"""Messages on the agent channel: a 4-byte length, then a pickle.

Both ends are the same user's processes (a test and the server it
forked), so pickling is safe here and lets a test send any picklable
exception or return value.  A stream socket, not a datagram one: a spy's
list of calls may be longer than any datagram.  A frame whose pickle
cannot be loaded is read whole and raises :class:`BadFrame`: the stream
stays in step, the next frame can be read.
"""

import pickle
import struct

from harness import errors

_HEADER = struct.Struct('>I')
#: Largest message either end accepts.
MAX_MESSAGE = 64 << 20


class ChannelClosed(EOFError):
    """The other end of the channel is gone."""


class BadFrame(errors.HarnessError):
    """A frame read whole that holds no message of the agent protocol."""


def send(sock, message):
    """Send one message (any picklable object) on *sock*."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock):
    """Receive one message from *sock* (blocking as the socket is).

    :raises ChannelClosed: on EOF, or a message too large to be ours.
    :raises BadFrame: a frame that cannot be unpickled.
    """
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
    if size > MAX_MESSAGE:
        raise ChannelClosed('message of %d bytes refused' % size)
    data = _read_exactly(sock, size)
    try:
        return pickle.loads(data)
    # Loading a pickle runs any import and constructor it names: any
    # exception may come of a frame that is not ours.
    except Exception as exc:
        raise BadFrame('a frame of %d bytes that cannot be unpickled: '
                       '%s: %s' % (size, type(exc).__name__, exc)) from None


def _read_exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ChannelClosed('channel closed')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)
