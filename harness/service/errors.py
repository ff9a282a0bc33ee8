"""The reference service's domain errors, named after Glance's exceptions.

The DB API, the registry and its clients raise them, and the v1 and v2
APIs answer them as HTTP errors.  The names (``NotFound``, ``Forbidden``,
``Duplicate``...) are the ones the registry RPC protocol reports back to
its clients, so they mirror ``glance.common.exception`` one for one (on
the wire they keep the module name they were first reported under,
:data:`harness.service.registry.rpc.ERRORS_WIRE_MODULE`).  Each class has
a default message used when none is given.  This module imports nothing
heavy: the API process and the registry client use it without
SQLAlchemy.
"""

from harness.errors import HarnessError


class ServiceError(HarnessError):
    """Root of the reference service's domain errors."""

    message = 'An unknown exception occurred'

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.msg = str(self)


class NotFound(ServiceError):
    """The requested object does not exist (or is hidden)."""

    message = 'An object with the specified identifier was not found.'


class TaskNotFound(NotFound):
    """No task with the given id (or it is hidden)."""

    message = 'Task with the given id was not found.'


class Forbidden(ServiceError):
    """The context may not see or change the object."""

    message = 'You are not authorized to complete this action.'


class ForbiddenPublicImage(Forbidden):
    """A write to a public image the context does not own."""

    message = 'You are not authorized to complete this action.'


class Duplicate(ServiceError):
    """An object with the same identifier already exists."""

    message = 'An object with the same identifier already exists.'


class Invalid(ServiceError):
    """The supplied data is not valid."""

    message = 'Data supplied was not valid.'


class Conflict(ServiceError):
    """The object changed under the caller (e.g. ``from_state`` mismatch)."""

    message = ('An object with the same identifier is currently being '
               'operated on.')


class InvalidSortKey(Invalid):
    """A listing was asked to sort on something that is not a column."""

    message = 'Sort key supplied was not valid.'


class InvalidFilterRangeValue(Invalid):
    """A ``<column>_min`` / ``<column>_max`` filter was not numeric."""

    message = 'Unable to filter using the specified range.'


class RPCError(ServiceError):
    """Stands in, over the registry RPC, for an error of another module.

    The RPC protocol only hands out the classes of this module and the
    builtins by name; anything else is reported as this class with the
    original class path in the message.
    """

    message = 'An exception was raised in the last rpc call.'


class MigrationError(ServiceError):
    """A schema migration command could not be carried out."""

    message = 'Database migration failed.'
