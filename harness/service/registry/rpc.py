"""Registry v2: ``POST /rpc`` runs DB API commands.

The body is a JSON list of ``{"command": <name>, "kwargs": {...}}``; every
command is validated before any runs, then each runs with the request
context and its result (or ``{"_error": {"cls", "val"}}``) takes its slot
in the answer.  Date-times travel as ``{"_type": "datetime", "_value":
"%Y-%m-%dT%H:%M:%S.%f"}`` both ways (:func:`dumps`, :func:`loads`).
"""

import datetime
import json
import logging

import webob
import webob.exc

from harness.service import errors
from harness.service import json_body
from harness.service import webapp
from harness.service.db import api as db_api
from harness.service.registry import common

LOG = logging.getLogger(__name__)

DATETIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'

#: The module the protocol names the service's errors by (Glance:
#: ``glance.common.exception``): where they lived when the protocol was
#: first spoken.  They now live in :mod:`harness.service.errors`; the
#: name on the wire stays, so that no ``_error`` envelope changes.
ERRORS_WIRE_MODULE = 'harness.service.db.errors'

#: Modules whose exceptions keep their class path in an ``_error``; any
#: other error is reported as :class:`~harness.service.errors.RPCError`.
#: (Glance: ``glance.common.exception`` and Python 2's ``exceptions``.)
ALLOWED_ERROR_MODULES = (errors.__name__, 'builtins')

RPC_ERROR_PATH = '%s.%s' % (ERRORS_WIRE_MODULE, errors.RPCError.__name__)


def _encode(value):
    if isinstance(value, datetime.datetime):
        return {'_type': 'datetime',
                '_value': value.strftime(DATETIME_FORMAT)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError('%r is not JSON serializable' % (value,))


def dumps(data):
    """*data* as JSON bytes, date-times encoded as the protocol says."""
    return json.dumps(data, default=_encode).encode('utf-8')


def _decode(obj):
    if obj.get('_type') == 'datetime' and isinstance(obj.get('_value'),
                                                     str):
        text = obj['_value']
        try:
            return datetime.datetime.strptime(text, DATETIME_FORMAT)
        except ValueError:
            # Without microseconds, or another ISO 8601 spelling.
            return datetime.datetime.fromisoformat(text)
    return obj


def loads(data):
    """Decode protocol JSON (text or bytes), date-times included.

    :raises harness.service.json_body.InvalidJSON: not JSON (or too
        deep, or a non-finite number), or a date-time that is not one.
    """
    return json_body.loads(data, object_hook=_decode)


def class_path(kind):
    """The ``cls`` naming exception class *kind* on the wire."""
    module = kind.__module__
    if module == errors.__name__:
        module = ERRORS_WIRE_MODULE
    return '%s.%s' % (module, kind.__qualname__)


def error_envelope(exc):
    """The ``{"_error": {"cls", "val"}}`` slot of a failed command."""
    kind = type(exc)
    path = class_path(kind)
    value = str(exc)
    if kind.__module__ not in ALLOWED_ERROR_MODULES:
        # Port: name the class that was raised (2014.1 named RPCError).
        value = str(errors.RPCError(
            '%s exception was raised in the last rpc call: %s'
            % (path, value)))
        path = RPC_ERROR_PATH
    return {'_error': {'cls': path, 'val': value}}


class RPCController(object):
    """The ``POST /rpc`` handler, mixed into the registry application
    (which provides ``self.engine``).

    :ivar rpc_commands: command name -> ``f(engine, context, **kwargs)``.
    """

    rpc_commands = db_api.FUNCTIONS

    def rpc(self, req):
        """``POST /rpc``: validate every command, then run them in order.
        """
        ctx = webapp.request_context(req)
        try:
            body = loads(req.body or b'null')
        except json_body.InvalidJSON as exc:
            raise common.bad_request(str(exc)) from None
        if not isinstance(body, list):
            raise common.bad_request('Request must be a list of commands')
        for element in body:
            self._check_command(element)
        results = [self._run(ctx, element['command'],
                             element.get('kwargs') or {})
                   for element in body]
        return webob.Response(body=dumps(results), status=200,
                              content_type='application/json', charset=None)

    def _check_command(self, element):
        if not isinstance(element, dict):
            raise common.bad_request('Bad Command: %s' % (element,))
        name, kwargs = element.get('command'), element.get('kwargs')
        if (not name or not isinstance(name, str)
                or (kwargs is not None and not isinstance(kwargs, dict))):
            raise common.bad_request('Wrong command structure: %s'
                                     % (element,))
        if name.startswith('_') or name not in self.rpc_commands:
            raise webob.exc.HTTPNotFound(explanation='Command not found')

    def _run(self, ctx, name, kwargs):
        try:
            # The module's attribute when it is the DB API's function:
            # what a test patches there (Server.patch, through the agent
            # in this process) is what runs.
            function = self.rpc_commands[name]
            if function is db_api.FUNCTIONS.get(name):
                function = getattr(db_api, name)
            return function(self.engine, ctx, **kwargs)
        except errors.ServiceError as exc:
            # The caller's mistake or an expected outcome (NotFound...):
            # it travels back in the answer, no traceback needed.
            LOG.info('RPC call %s failed: %s: %s', name,
                     type(exc).__name__, exc)
            return error_envelope(exc)
        except Exception as exc:
            LOG.exception('RPC call %s failed', name)
            return error_envelope(exc)
