"""Reading what servers wrote: from an offset, and without repeats.

A server's stdout and stderr files are appended to by every launch, so
"what this launch wrote" is the text after the size the file had before
it.  With ``use_stderr`` on (Glance's default) a server writes each log
record both to its log file and to stderr; :func:`lines_beyond` keeps only
what stderr holds beyond the log file (start-up errors, tracebacks, the
output of foreign programs), so a failing test shows each line once.
"""

import collections
import os

#: Lines of a log an error message ends with.
TAIL_LINES = 20


def size(path):
    """Current size of *path* in bytes (0 when it does not exist yet)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def read_text(path, offset=0):
    """Text of *path* from byte *offset* on ('' when it does not exist)."""
    try:
        with open(path, 'rb') as handle:
            handle.seek(offset)
            return handle.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        return ''


def tail(path, lines=TAIL_LINES):
    """Return the last *lines* lines of the text file *path* ('' if none)."""
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            data = handle.read()
    except OSError:
        return ''
    text = data.decode('utf-8', 'replace')
    return '\n'.join(text.splitlines()[-lines:])


def lines_beyond(text, reference):
    """The lines of *text* that *reference* does not account for.

    Each line of *reference* accounts for one equal line of *text*, so a
    line printed twice on stderr but logged once is kept once; the order
    of *text* is kept.
    """
    pool = collections.Counter(reference.splitlines())
    extra = []
    for line in text.splitlines(keepends=True):
        key = line.rstrip('\r\n')
        if pool[key] > 0:
            pool[key] -= 1
        else:
            extra.append(line)
    return ''.join(extra)


def paths(server):
    """The files *server*'s launches write: its log file (if it names
    one), then the captured stdout and stderr."""
    return [path for path in (server.log_file, server.log_path('stdout'),
                              server.log_path('stderr')) if path]


def details(server, offsets=None):
    """``[(name, text)]`` of *server*'s non-empty logs, each line once.

    The log file and stdout whole; stderr for what it holds beyond the log
    file.

    :param offsets: ``{path: byte offset}``: read each file from there
        (default: from its start).
    """
    offsets = offsets or {}
    found = paths(server)
    texts = [read_text(path, offsets.get(path, 0)) for path in found]
    if server.log_file:
        texts[-1] = lines_beyond(texts[-1], texts[0])
    return [(os.path.basename(path), text)
            for path, text in zip(found, texts) if text]
