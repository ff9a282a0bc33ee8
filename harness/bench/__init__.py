"""The benchmark: ``python -m harness.bench`` (``harness-bench``).

* :mod:`harness.bench.__main__`: the command, the floor and the launch
  figures (cycles, single server, whole test and fixture, database,
  leaks);
* :mod:`harness.bench.transfer`: large uploads and downloads (v1, v2)
  against a raw loopback copy; :mod:`harness.bench.limit`: the machine's
  own upload limit they are set against;
* :mod:`harness.bench.cache`: the image cache lines;
* :mod:`harness.bench.inject`: the patch round trip;
* :mod:`harness.bench.own`: what testing one's own service costs (the
  import, the first launch of :mod:`harness.bench.userprog`);
* :mod:`harness.bench.common`: what more than one of them runs.

Nothing here starts anything at import.
"""
