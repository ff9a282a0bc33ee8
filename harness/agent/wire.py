"""Messages on the agent channel: a 4-byte length, then a pickle.

Both ends are the same user's processes (a test and the server it
forked), so pickling is safe here and lets a test send any picklable
exception or return value.  A stream socket, not a datagram one: a spy's
list of calls may be longer than any datagram.
"""

import pickle
import struct

_HEADER = struct.Struct('>I')
#: Largest message either end accepts.
MAX_MESSAGE = 64 << 20


class ChannelClosed(EOFError):
    """The other end of the channel is gone."""


def send(sock, message):
    """Send one message (any picklable object) on *sock*."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock):
    """Receive one message from *sock* (blocking as the socket is).

    :raises ChannelClosed: on EOF, or a message too large to be ours.
    """
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
    if size > MAX_MESSAGE:
        raise ChannelClosed('message of %d bytes refused' % size)
    return pickle.loads(_read_exactly(sock, size))


def _read_exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ChannelClosed('channel closed')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)
