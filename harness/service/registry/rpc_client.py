"""Client of the registry's ``POST /rpc``.

``RPCClient(conf, context).image_get(image_id=...)`` runs one DB API
command in the registry, as Glance's v2 registry client did: keyword
arguments only (the context is the registry's own, from the forwarded
token).  A command that failed there raises here: the classes of
:mod:`harness.service.errors` (named ``harness.service.db.errors.*`` on
the wire) and the builtin exceptions are raised as themselves, anything
else as :class:`~harness.service.errors.RPCError`.
"""

import builtins

from harness.service import errors
from harness.service.registry import client
from harness.service.registry import rpc


class RPCClient(client.BaseClient):
    """Send DB API commands to the registry of *conf* (see
    :class:`~harness.service.registry.client.BaseClient`)."""

    def batch(self, commands):
        """Run ``[{"command", "kwargs"}]`` in one request; return the raw
        result slots (``_error`` envelopes included).

        :raises webob.exc.HTTPException: the registry refused the list.
        """
        data = self.exchange('POST', '/rpc', rpc.dumps(commands),
                             {'Content-Type': 'application/json'})
        try:
            return rpc.loads(data)
        except ValueError:
            raise self.unavailable('POST', '/rpc',
                                   'the answer is not JSON') from None

    def call(self, command, **kwargs):
        """Run one command and return its result.

        :raises: the error the command raised (see the module docstring).
        """
        result = self.batch([{'command': command, 'kwargs': kwargs}])[0]
        if isinstance(result, dict) and '_error' in result:
            raise rebuild_error(result['_error'])
        return result

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)

        def command(**kwargs):
            return self.call(name, **kwargs)
        command.__name__ = name
        return command


def rebuild_error(envelope):
    """The exception an ``_error`` envelope names (never imports a
    module: only errors and builtins classes are looked up)."""
    module, _dot, name = envelope.get('cls', '').rpartition('.')
    value = envelope.get('val', '')
    kind = None
    if module == rpc.ERRORS_WIRE_MODULE:
        kind = getattr(errors, name, None)
    elif module == 'builtins':
        kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = errors.RPCError
    return kind(value)
