"""The benchmark's in-process build (harness.bench.anchor): it builds
the real apps from a laid-out stack's conf files, and leaves this
process as it found it."""

import logging

import testtools

from harness import errors
from harness.bench import anchor
from harness.service import log
from harness.service import process_conf
from harness.service.db import api as db_api


class AnchorTest(testtools.TestCase):

    def _logging_state(self):
        manager = logging.Logger.manager
        return (list(logging.getLogger().handlers),
                logging.getLogger().level,
                {name: item.level for name, item in manager.loggerDict.items()
                 if isinstance(item, logging.Logger)})

    def test_builds_leave_no_handler_conf_or_engine(self):
        anchor.build_once()  # loggers the first build creates
        handlers, level, levels = self._logging_state()
        timings = anchor.build_runs(2)
        self.assertEqual(2, len(timings))
        self.assertTrue(all(t > 0 for t in timings))
        after_handlers, after_level, after_levels = self._logging_state()
        self.assertEqual(handlers, after_handlers)
        self.assertEqual(level, after_level)
        self.assertEqual(levels, {name: after_levels[name]
                                  for name in levels})
        self.assertEqual([], log._installed)
        self.assertRaises(errors.HarnessError, process_conf.get_conf)
        self.assertEqual({}, db_api._ENGINES)

    def test_the_build_reads_the_stack_s_conf(self):
        # What a started registry would log about its pipeline: the build
        # really loaded the paste file the stack wrote.
        seen = []
        handler = logging.Handler()
        handler.emit = seen.append
        logging.getLogger('harness.service.pipeline').addHandler(handler)
        self.addCleanup(logging.getLogger('harness.service.pipeline')
                        .removeHandler, handler)
        anchor.build_once()
        messages = [record.getMessage() for record in seen]
        self.assertTrue(any('registry-paste.ini' in m for m in messages))
        self.assertTrue(any('api-paste.ini' in m for m in messages))
