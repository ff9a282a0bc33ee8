"""Listings refuse more than 20 filters, in every API (issue 13): each
is a subquery, and PostgreSQL planned 300 of them for minutes while the
request hung."""

from harness.glance import functional
from harness.tests.functional import client

MESSAGE = b'Too many filters: 21 (at most 20).'


class TestFilterLimits(functional.FunctionalTest):

    def setUp(self):
        super().setUp()
        self.start_servers(**self.__dict__.copy())

    def get(self, port, path, query):
        return client.request(port, 'GET', path + '?' + query)

    def test_21_filters_are_400_20_are_served(self):
        v1_props = '&'.join('property-p%d=v' % i for i in range(21))
        v2_props = '&'.join('p%d=v' % i for i in range(21))
        tags = '&'.join('tag=t%d' % i for i in range(21))
        for port, path, query in (
                (self.api_port, '/v1/images', v1_props),
                (self.api_port, '/v1/images/detail', v1_props),
                (self.registry_port, '/images/detail', v1_props),
                (self.api_port, '/v2/images', v2_props),
                (self.api_port, '/v2/images', tags)):
            status, _, body = self.get(port, path, query)
            self.assertEqual(400, status, (path, body))
            self.assertIn(MESSAGE, body)
            twenty = query.rpartition('&')[0]
            self.assertEqual(200, self.get(port, path, twenty)[0], path)
