"""Logging set-up of the service processes.

Lines look like Glance's (oslo) ones, because tests grep the log files::

    2014-04-17 10:23:45.123 4242 DEBUG harness.api.x [-] message f /p.py:12

The ``[-]`` becomes ``[req-<uuid> <user> <tenant> - - -]`` while a request
context is current (see :data:`harness.service.context.current`).
"""

import logging
import logging.handlers
import os
import sys

from harness.errors import ConfigError
from harness.errors import StartupError
from harness.service import context as context_mod

PROJECT = 'harness'
DATE_FORMAT = '%Y-%m-%d %H:%M:%S'
LINE_FORMAT = ('%(asctime)s.%(msecs)03d %(process)d %(levelname)s '
               '%(name)s [%(harness_context)s] %(message)s')
DEBUG_SUFFIX = ' %(funcName)s %(pathname)s:%(lineno)d'

# Names whose values are masked when options are logged.
_SECRET_WORDS = ('password', 'secret', 'connection', 'encryption_key',
                 'store_key', 'access_key')

# Handlers installed by the last setup(), removed by the next one.
_installed = []


def context_text(ctx):
    """Return the bracketed part of a log line for request context *ctx*."""
    if ctx is None:
        return '-'
    values = (ctx.request_id, ctx.user, ctx.tenant, None, None, None)
    return ' '.join('-' if value is None else str(value) for value in values)


class ContextFormatter(logging.Formatter):
    """oslo-style formatter: request context, DEBUG suffix, TRACE lines."""

    def __init__(self):
        super().__init__(LINE_FORMAT, DATE_FORMAT)
        self._plain = logging.Formatter(LINE_FORMAT, DATE_FORMAT)
        self._debug = logging.Formatter(LINE_FORMAT + DEBUG_SUFFIX,
                                        DATE_FORMAT)

    def format(self, record):
        record.harness_context = context_text(context_mod.current.get())
        plain = (self._debug if record.levelno == logging.DEBUG
                 else self._plain)
        saved = (record.exc_info, record.exc_text, record.stack_info)
        # The line itself without traceback; the traceback follows as
        # TRACE lines, each one carrying the usual prefix.
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = plain.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        trace = self._trace_text(record)
        if not trace:
            return line
        prefix = '%s.%03d %d TRACE %s ' % (
            self.formatTime(record, DATE_FORMAT), record.msecs,
            record.process, record.name)
        return '\n'.join([line] + [prefix + text
                                   for text in trace.splitlines()])

    def _trace_text(self, record):
        parts = []
        if record.exc_info:
            parts.append(self.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return '\n'.join(parts)


def level_for(conf):
    """Return the project log level: debug, else verbose, else warning."""
    if conf.debug:
        return logging.DEBUG
    if conf.verbose:
        return logging.INFO
    return logging.WARNING


def parse_log_levels(pairs):
    """Turn ``['name=LEVEL', ...]`` into ``[(name, level_int), ...]``."""
    result = []
    for pair in pairs:
        name, sep, level_name = pair.partition('=')
        level = logging.getLevelName(level_name.strip().upper())
        if not sep or not name.strip() or not isinstance(level, int):
            raise ConfigError("Invalid default_log_levels entry %r "
                              "(expected logger=LEVEL)" % pair)
        result.append((name.strip(), level))
    return result


def log_file_path(conf, prog):
    """Return the log file from ``log_file``/``log_dir``, or ``None``."""
    log_file = conf.log_file
    log_dir = conf.get('log_dir')
    if log_file and log_dir:
        return os.path.join(log_dir, log_file)
    if log_dir:
        return os.path.join(log_dir, prog + '.log')
    return log_file


def setup(conf, prog):
    """Configure logging of this process from *conf*.

    Handlers go on the root logger so per-logger levels of
    ``default_log_levels`` take effect for any library; the root logger
    itself stays at WARNING so third-party debug output (SQL statements...)
    does not flood the logs.  Calling it again replaces the handlers.

    :param prog: program name, used for ``<log_dir>/<prog>.log``.
    :returns: the ``harness`` project logger.
    """
    root = logging.getLogger()
    teardown()
    root.setLevel(logging.WARNING)
    project = logging.getLogger(PROJECT)
    project.setLevel(level_for(conf))
    for name, level in parse_log_levels(conf.default_log_levels):
        logging.getLogger(name).setLevel(level)
    for handler in _make_handlers(conf, prog):
        handler.setFormatter(ContextFormatter())
        root.addHandler(handler)
        _installed.append(handler)
    return project


def teardown():
    """Remove and close the handlers the last :func:`setup` installed
    (for an app built in a process that goes on: the benchmark's
    in-process build)."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    del _installed[:]


def _make_handlers(conf, prog):
    handlers = []
    path = log_file_path(conf, prog)
    if path:
        try:
            # WatchedFileHandler re-opens the file after logrotate renames
            # it; it opens (creates) the file right away.
            handlers.append(logging.handlers.WatchedFileHandler(
                path, encoding='utf-8'))
        except OSError as exc:
            raise StartupError("Unable to open log file %s: %s"
                               % (path, exc.strerror)) from None
    if conf.use_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    return handlers


def _is_secret(name):
    return any(word in name for word in _SECRET_WORDS)


def option_lines(conf):
    """Yield ``name = value`` lines for every option of *conf*."""
    from harness.service.config import OPTIONS

    default_names = set(conf.section('DEFAULT'))
    default_names.update(name for section, name in OPTIONS
                         if section == 'DEFAULT')
    keys = [('DEFAULT', name) for name in sorted(default_names)]
    keys += sorted(key for key in OPTIONS if key[0] != 'DEFAULT')
    for section, name in keys:
        value = conf.get(name, section)
        if _is_secret(name) and value is not None:
            value = '****'
        label = name if section == 'DEFAULT' else section + '.' + name
        yield '%-30s = %s' % (label, value)


def log_option_values(conf, logger, level=logging.DEBUG):
    """Log the config files and every option value, oslo style."""
    if not logger.isEnabledFor(level):
        return
    logger.log(level, '*' * 80)
    logger.log(level, 'Configuration options gathered from:')
    logger.log(level, 'config files: %s', conf.config_files)
    logger.log(level, '=' * 80)
    for line in option_lines(conf):
        logger.log(level, '%s', line)
    logger.log(level, '*' * 80)
