"""A test process on a "host" of its own, driven over stdin/stdout.

Run as ``python -m harness.tests.unit.sqldb_host <base URL>`` (inside a
PID namespace by the tests): it creates its worker database with
:func:`harness.databases.workers.create`, writes one row there, prints
``ready <name> <pid>``, then answers each ``check`` line with ``rows <n>``
(its rows still in its database) until EOF, and exits as a test process
does (its database dropped at exit).
"""

import os
import sys

from harness.databases import workers as sqldb


def _sync(url):
    from sqlalchemy import create_engine
    from sqlalchemy import text
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text('CREATE TABLE marks (v VARCHAR(64))'))
    finally:
        engine.dispose()


def _count(url, name, insert):
    from sqlalchemy import create_engine
    from sqlalchemy import text
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if insert:
                conn.execute(text('INSERT INTO marks VALUES (:v)'),
                             {'v': name})
            return conn.execute(text('SELECT COUNT(*) FROM marks WHERE '
                                     'v = :v'), {'v': name}).scalar()
    finally:
        engine.dispose()


def main(base_url):
    from sqlalchemy.engine import make_url
    url = sqldb.create(base_url, _sync)
    name = make_url(url).database
    _count(url, name, True)
    print('ready %s %d' % (name, os.getpid()), flush=True)
    for line in sys.stdin:
        if line.strip() == 'check':
            print('rows %d' % _count(url, name, False), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
