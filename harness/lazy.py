"""Module attributes imported on first use (PEP 562).

A module that names things from heavier modules (the reference service,
the reference stack) without importing them up front says::

    __getattr__, __dir__ = lazy.attributes(__name__, {'Name': 'pkg.mod'})

so that a test of another service imports only what it uses.  A name is
looked up once, then kept in the module's globals.  (The package root,
``harness/__init__.py``, writes its own: it imports nothing, not even
this module.)
"""

import importlib
import sys

__all__ = ['attributes']


def attributes(module_name, where):
    """The ``__getattr__`` and ``__dir__`` of module *module_name*.

    :param where: public name -> the module that holds it.
    """
    def __getattr__(name):
        holder = where.get(name)
        if holder is None:
            raise AttributeError('module %r has no attribute %r'
                                 % (module_name, name))
        value = getattr(importlib.import_module(holder), name)
        # Once: the next read finds it in the globals, not here.
        setattr(sys.modules[module_name], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[module_name])) | set(where))

    return __getattr__, __dir__
