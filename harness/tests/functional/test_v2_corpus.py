"""The hostile v2 corpus against a launched API (issue 13): every case
of :mod:`harness.tests.v2_corpus` over TCP to the real server process,
one stack for all of them, the invariants checked after each case.

The second class routes v2 data through the registry's ``/rpc``
(``data_api = glance.db.registry.api``), where errors cross a second
process and must still come out as the same 4xx.
"""

import functools


from harness.glance import functional
from harness.tests.v2_corpus import runner
from harness.tests.v2_corpus import wire


class TestV2CorpusLaunched(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.api_server.deployment_flavor = 'fakeauth'
        self.registry_server.deployment_flavor = 'fakeauth'

    def start(self):
        self.start_servers(**self.__dict__.copy())

    def test_every_case_is_refused_and_changes_nothing(self):
        self.start()
        corpus = runner.Runner(
            functools.partial(wire.exchange_tcp, self.api_port),
            self.api_server.image_dir)
        corpus.make_fixtures()
        problems = corpus.run()
        self.assertEqual([], problems)
        # Nothing the corpus sent made the API log a traceback.
        with open(self.api_server.log_file, encoding='utf-8') as log:
            self.assertNotIn('Traceback', log.read())


class TestV2CorpusThroughRegistry(TestV2CorpusLaunched):

    def setUp(self):
        super().setUp()
        self.api_server.conf_base = self.api_server.conf_base.replace(
            '[paste_deploy]', 'data_api = glance.db.registry.api\n'
            '[paste_deploy]')
