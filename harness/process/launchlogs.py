"""What a server's launches wrote: its log file, stdout and stderr.

:class:`LaunchLogs` is a mixin of :class:`harness.process.server.Server`: it
needs ``test_dir``, ``server_name``, ``log_file``, ``port_clash``,
``process`` and a ``_log_marks`` dict, and gives the paths of the
captured streams, the text written since the current launch (or
reload) began, and whether the program died saying its port was taken.
"""

import logging
import os

from harness.process import logs


class LaunchLogs(object):
    """The files a server's program writes, read since its launch."""

    def log_path(self, stream):
        """Path of the captured *stream* (``stdout``/``stderr``) file."""
        return os.path.join(self.test_dir,
                            '%s.%s.log' % (self.server_name, stream))

    def read_output(self):
        """Return the captured ``(stdout, stderr)`` text so far."""
        return tuple(logs.read_text(self.log_path(name))
                     for name in ('stdout', 'stderr'))

    def _log_files(self):
        return logs.paths(self)

    def _mark_logs(self):
        self._log_marks = {p: logs.size(p) for p in self._log_files()}

    def log_mark(self, path):
        """Size *path* had when the current launch (or reload) began."""
        return self._log_marks.get(path, 0)

    def output_since_launch(self):
        """What the program wrote to its log, stdout and stderr files since
        the current launch began (each file's text once)."""
        return ''.join(logs.read_text(p, self.log_mark(p))
                       for p in self._log_files())

    def died_of_port_clash(self):
        """True if the program exited saying that its port was taken."""
        if self.process is None or self.process.poll() is None:
            return False
        return bool(self.port_clash.search(self.output_since_launch()))

    def dump_log(self, name):
        """Copy the server's log file into logger *name*."""
        log = logging.getLogger(name)
        if not self.log_file or not os.path.exists(self.log_file):
            return
        with open(self.log_file, 'r', errors='replace') as handle:
            for line in handle:
                log.info(line.strip())
