"""v2 location strategies and task helpers in-process.
"""

import datetime

import fixtures
import testtools
import webob.exc
import webob.multidict

from harness.errors import StartupError
from harness.service.api.v2 import listing
from harness.service.api.v2 import locations
from harness.service.api.v2 import task_runner
from harness.service.api.v2 import tasks
from harness.tests.unit.service import apitest_helpers as helpers

STORED = [{'url': 'file:///data/a', 'metadata': {}},
          {'url': 'swift://b', 'metadata': {}},
          {'url': 'http://c', 'metadata': {}},
          {'url': 'rbd://d', 'metadata': {}},
          {'url': 'https://e', 'metadata': {}},
          {'url': 'not a url', 'metadata': {}}]


def urls(locs):
    return [loc['url'] for loc in locs]


class LocationStrategyTest(testtools.TestCase):

    def conf(self, strategy, preference=''):
        return helpers.make_conf(
            {'store_type_location_strategy': {
                'store_type_preference': preference}},
            location_strategy=strategy)

    def test_location_order_keeps_stored_order(self):
        self.assertEqual(urls(STORED), urls(locations.ordered(
            self.conf('location_order', 'http'), STORED)))

    def test_store_type_prefers_in_order_and_is_stable(self):
        ordered = locations.ordered(
            self.conf('store_type', ' http, , filesystem,swift'), STORED)
        self.assertEqual(['http://c', 'https://e', 'file:///data/a',
                          'swift://b', 'rbd://d', 'not a url'],
                         urls(ordered))
        self.assertEqual(urls(STORED), urls(STORED))  # input untouched

    def test_store_type_without_preference(self):
        self.assertEqual(urls(STORED), urls(locations.ordered(
            self.conf('store_type'), STORED)))

    def test_unknown_strategy_refused(self):
        locations.check_strategy(self.conf('store_type'))
        exc = self.assertRaises(StartupError, locations.check_strategy,
                                self.conf('nearest'))
        self.assertEqual('Invalid location_strategy option: nearest. The '
                         'valid strategy option(s) is(are): location_order, '
                         'store_type', str(exc))

    def test_missing_formats_text(self):
        self.assertEqual('Property disk_format must be set prior to saving '
                         'data.', locations.missing_formats(['disk_format']))


class TaskParamsTest(testtools.TestCase):

    conf = helpers.make_conf(limit_param_default=25, api_limit_max=30)

    def params(self, **query):
        return tasks.list_params(self.conf,
                                 webob.multidict.MultiDict(query))

    def test_defaults(self):
        self.assertEqual({'filters': {'deleted': False}, 'marker': None,
                          'limit': 25, 'sort_key': 'created_at',
                          'sort_dir': 'desc'}, self.params())

    def test_filters_and_capped_limit(self):
        params = self.params(status='failure', type='import', limit='99',
                             owner='x')
        self.assertEqual(({'status': 'failure', 'type': 'import',
                           'owner': 'x', 'deleted': False}, 30),
                         (params['filters'], params['limit']))

    def test_refusals(self):
        for query, message in (
                ({'status': 'done'}, 'Invalid status value: done'),
                ({'type': 'export'}, 'Invalid type value: export'),
                ({'marker': '12'}, 'Invalid marker format'),
                ({'limit': '1.5'}, 'limit param must be an integer'),
                ({'limit': '-2'}, 'limit param must be positive'),
                ({'sort_dir': 'up'}, 'Invalid sort direction: up')):
            exc = self.assertRaises(webob.exc.HTTPBadRequest, self.params,
                                    **query)
            self.assertEqual(message, exc.explanation)

    def test_links_keep_request_order_marker_last(self):
        items = [{'id': 'a'}, {'id': 'b'}]
        query = webob.multidict.MultiDict(
            [('type', 'import'), ('marker', 'z'), ('limit', '2')])
        empty = webob.multidict.MultiDict()
        self.assertEqual(
            {'first': '/v2/tasks?type=import&limit=2',
             'next': '/v2/tasks?type=import&limit=2&marker=b'},
            listing.page_links(query, items, 2, '/v2/tasks'))
        self.assertEqual({'first': '/v2/tasks'},
                         listing.page_links(empty, items, 3, '/v2/tasks'))
        self.assertEqual({'first': '/v2/tasks'},
                         listing.page_links(empty, [], 0, '/v2/tasks'))


class TaskViewTest(testtools.TestCase):

    task = {'id': 't1', 'type': 'import', 'status': 'failure',
            'owner': 'o', 'input': {'a': 1}, 'result': None,
            'message': 'broken', 'deleted': False, 'deleted_at': None,
            'expires_at': datetime.datetime(2014, 4, 19, 10, 23, 45),
            'created_at': datetime.datetime(2014, 4, 17, 10, 23, 45),
            'updated_at': datetime.datetime(2014, 4, 17, 10, 23, 46)}

    def test_full_and_brief(self):
        full = tasks.task_view(self.task)
        self.assertEqual(
            {'id': 't1', 'type': 'import', 'status': 'failure',
             'owner': 'o', 'input': {'a': 1}, 'message': 'broken',
             'expires_at': '2014-04-19T10:23:45Z',
             'created_at': '2014-04-17T10:23:45Z',
             'updated_at': '2014-04-17T10:23:46Z',
             'self': '/v2/tasks/t1', 'schema': '/v2/schemas/task'}, full)
        brief = tasks.task_view(self.task, full=False)
        self.assertEqual(set(full) - {'input', 'message'}, set(brief))

    def test_time_to_live(self):
        self.assertEqual(datetime.timedelta(hours=48),
                         task_runner.time_to_live(helpers.make_conf()))
        conf = helpers.make_conf({'task': {'task_time_to_live': '3'}})
        self.assertEqual(datetime.timedelta(hours=3),
                         task_runner.time_to_live(conf))
        logged = self.useFixture(fixtures.FakeLogger())
        conf = helpers.make_conf({'task': {'task_time_to_live': 'x'}})
        self.assertEqual(datetime.timedelta(hours=48),
                         task_runner.time_to_live(conf))
        self.assertIn("Invalid [task] task_time_to_live 'x'", logged.output)
