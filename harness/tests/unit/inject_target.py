"""Targets for the unit tests of :mod:`harness.agent.layers`."""

CALLS = []


def add(a, b=1):
    return a + b


class Base(object):
    def greet(self, name):
        return 'hello %s' % name

    @staticmethod
    def static(x):
        return x * 2

    @classmethod
    def klass(cls, x):
        return '%s:%s' % (cls.__name__, x)


class Child(Base):
    """Inherits every method of Base."""


NOT_CALLABLE = 42


def use_add(a):
    """Calls ``add`` through the module, as patched code must."""
    return add(a)
