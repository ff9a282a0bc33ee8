"""The hostile v2 corpus in-process (issue 13): the real API pipeline
(paste, middleware, v2 router, DB API on a migrated database, filesystem
store) served through the service's own HTTP layer on a socket pair.

The functional twin, ``test_v2_corpus`` under ``functional``, sends the
same cases to a launched API.
"""

import json
import os

import fixtures
import testtools

from harness.glance import data
from harness.glance import templates
from harness.service import pipeline
from harness.service.db import api as db_api
from harness.service.db import migrate
from harness.tests import v2_corpus
from harness.tests.unit.service import apitest_helpers as helpers
from harness.tests.unit.service import dbtest_helpers
from harness.tests.v2_corpus import runner
from harness.tests.v2_corpus import wire


class CorpusStack(object):
    """An in-process API on a fresh database; ``send`` is the transport."""

    def __init__(self, test, backend='sqlite'):
        tmp = test.useFixture(fixtures.TempDir()).path
        url = dbtest_helpers.scratch_url(test, backend)
        migrate.db_sync(url)
        # The v2 API caches an engine per URL: its connections must go
        # before the scratch database is dropped.
        test.addCleanup(db_api.dispose_engines)
        self.image_dir = os.path.join(tmp, 'images')
        # The policy file a launched API gets (admin by role only).
        policy = data.data_file('policy.json')
        paste_file = os.path.join(tmp, 'api-paste.ini')
        with open(paste_file, 'w', encoding='utf-8') as handle:
            handle.write(templates.API_PASTE)
        conf = helpers.make_conf(
            sections={'paste_deploy': {'flavor': 'fakeauth'}},
            config_files=[os.path.join(tmp, 'api.conf')],
            sql_connection=url, filesystem_store_datadir=self.image_dir,
            policy_file=policy)
        helpers.use_conf(test, conf)
        self.server = wire.InProcess(pipeline.load_app(conf, 'harness-api'),
                                     conf)
        test.addCleanup(self.server.close)
        self.send = self.server.exchange


class TestV2CorpusInProcess(testtools.TestCase):

    def run_corpus(self, backend):
        stack = CorpusStack(self, backend)
        corpus = runner.Runner(stack.send, stack.image_dir)
        corpus.make_fixtures()
        problems = corpus.run()
        self.assertEqual([], problems)

    def test_every_case_is_refused_and_changes_nothing(self):
        self.run_corpus('sqlite')

    def test_on_mysql(self):
        self.run_corpus('mysql')

    def test_on_postgresql(self):
        self.run_corpus('postgresql')

    def test_corpus_is_large_and_names_are_unique(self):
        names = [case.name for case in v2_corpus.all_cases()]
        self.assertGreaterEqual(len(names), 150)
        self.assertEqual(len(names), len(set(names)))


class TestCorpusRunner(testtools.TestCase):
    """The runner itself can fail: it sees a change and a wrong status."""

    def test_a_change_and_a_wrong_status_are_problems(self):
        stack = CorpusStack(self)
        corpus = runner.Runner(stack.send, stack.image_dir)
        corpus.make_fixtures()
        rename = json.dumps([{'op': 'replace', 'path': '/name',
                              'value': 'changed'}]).encode()
        accepted = v2_corpus.patch('accepted', rename)
        # Even with the status it expects, a case that changes the image
        # is a problem.
        changing = v2_corpus.patch('changing', rename.replace(
            b'changed', b'again'), expect=200)
        wrong = v2_corpus.get('wrong_status', b'/v2/images/{M}', 400)
        problems = corpus.run([accepted, changing, wrong])
        self.assertEqual(3, len(problems), problems)
        self.assertIn('accepted: status 200', problems[0])
        self.assertIn("changing: changed ['images', 'queued']", problems[1])
        self.assertIn('wrong_status: status 404', problems[2])
