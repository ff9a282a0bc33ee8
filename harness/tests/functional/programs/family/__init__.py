"""A user server program run as a package (``python -m`` this package).

Like ``uvicorn``'s, its ``__init__`` imports names *from* its
submodules, so only the first import of the package binds the
submodules as its attributes; its ``__main__`` then reaches
``family.serve`` as an attribute.  A preloaded launch that imported the
package afresh would fail there, as ``-m uvicorn`` did ("module 'uvicorn'
has no attribute 'logging'").  Its process tree takes the shapes the
tests of reaching inside a server need (:mod:`.serve`).
"""

from harness.tests.functional.programs.family.serve import main

__all__ = ['main']
