"""Faults and time inside the real servers (issue: reaching inside).

Each test makes the service meet a condition a process test could not
produce before (a full disk, a slow registry, a failing database, a day
passing), checks the service's answer, then that nothing is left wrong.
Each class also runs with two workers, preloaded and with fork/exec.
"""

import errno

import sqlalchemy.exc

from harness.tests.functional import inject_support
from harness.tests.functional import v1_support as v1

#: Every write of image data goes through this function.
WRITE = 'harness.service.store.streaming.write_all'
DISK_FULL = OSError(errno.ENOSPC, 'No space left on device')
DB_DOWN = sqlalchemy.exc.OperationalError(
    'INSERT INTO images', {}, Exception('database is locked'))
DATA = b'*' * 70000
#: Seconds the API waits for the registry, and how slow the registry is.
REGISTRY_TIMEOUT = 1
SLOW = 2.5


class TestDiskFull(inject_support.InjectTest):

    def test_v1_upload_on_a_full_disk(self):
        image_id = v1.new_id()
        headers = v1.minimal_headers('full', **{'X-Image-Meta-Id': image_id})
        with self.api_server.patch(WRITE, raises=DISK_FULL):
            status, _, body = self.v1.create(headers, DATA)
        self.assertEqual(413, status, body)
        self.assertIn(b'Image storage media is full', body)
        self.assertEqual('killed', self.v1.status_of(image_id))
        self.assertEqual([], self.files())
        # The disk has room again: uploads work.
        image = self.v1.create_ok(v1.minimal_headers('fits'), DATA)
        self.assertEqual(('active', len(DATA)), (image['status'],
                                                 image['size']))
        self.assertEqual([image['id']], self.files())

    def test_v2_upload_on_a_full_disk(self):
        image_id = self.v2_image()['id']
        with self.api_server.patch(WRITE, raises=DISK_FULL):
            status, body = self.v2_upload(image_id, DATA)
        self.assertEqual(413, status, body)
        self.assertIn(b'Image storage media is full', body)
        image = self.v2.json('GET', '/images/%s' % image_id)
        self.assertEqual('queued', image['status'])
        self.assertEqual([], self.files())
        self.assertEqual(204, self.v2_upload(image_id, DATA)[0])
        image = self.v2.json('GET', '/images/%s' % image_id)
        self.assertEqual(('active', len(DATA)), (image['status'],
                                                 image['size']))
        self.assertEqual([image_id], self.files())


class TestSlowRegistry(inject_support.InjectTest):

    api_conf_lines = 'registry_client_timeout = %d\n' % REGISTRY_TIMEOUT

    def test_registry_slower_than_the_api_waits(self):
        with self.registry_server.patch(
                'harness.service.db.api.image_get_all', delay=SLOW):
            status, _, body = self.v1.request('GET', '/v1/images')
        # The documented answer of a registry that does not answer in time.
        self.assertEqual(503, status, body)
        self.assertIn(b'Registry at 127.0.0.1:%d failed to answer GET '
                      b'/images' % self.registry_port, body)
        self.assertIn(b'timed out', body)
        # Fast again: the API works.
        image = self.v1.create_ok(v1.minimal_headers('after'), DATA)
        self.assertEqual([image['id']],
                         [i['id'] for i in self.v1.list()])


class TestDatabaseError(inject_support.InjectTest):

    def assertNoTraceback(self, body):
        for leak in (b'Traceback', b'OperationalError', b'INSERT',
                     b'database is locked', b'.py'):
            self.assertNotIn(leak, body)

    def test_v1_create_meets_a_database_error(self):
        with self.registry_server.patch('harness.service.db.api.image_create',
                                        raises=DB_DOWN):
            status, _, body = self.v1.create(v1.minimal_headers('lost'),
                                             DATA)
        self.assertEqual(500, status, body)
        self.assertNoTraceback(body)
        self.assertEqual([], self.v1_names())
        self.assertEqual([], self.files())
        self.v1.create_ok(v1.minimal_headers('kept'), DATA)
        self.assertEqual(['kept'], self.v1_names())

    def test_v2_create_meets_a_database_error(self):
        with self.api_server.patch('harness.service.db.api.image_create',
                                   raises=DB_DOWN):
            status, _, body = self.v2.request(
                'POST', '/images', {'name': 'lost', 'disk_format': 'raw',
                                    'container_format': 'bare'})
        self.assertEqual(500, status, body)
        self.assertNoTraceback(body)
        self.assertEqual([], self.v2.ids())
        kept = self.v2_image(name='kept')['id']
        self.assertEqual([kept], self.v2.ids())


class TestListingQueries(inject_support.InjectTest):
    """A page of images costs the same statements whatever its length."""

    EXECUTE = 'sqlalchemy.engine.base.Connection.execute'

    def statements(self, server, list_page):
        with server.spy(self.EXECUTE) as calls:
            page = list_page()
        return len(calls), len(page)

    def test_v1_listing_queries_per_page(self):
        def page():
            return self.v1.list('?limit=10')
        self.v1.create_ok(v1.minimal_headers('one'))
        one = self.statements(self.registry_server, page)
        for n in range(5):
            self.v1.create_ok(v1.minimal_headers('more%d' % n))
        six = self.statements(self.registry_server, page)
        self.assertEqual((one[0], 1), one)
        self.assertEqual((one[0], 6), six)

    def test_v2_listing_queries_per_page(self):
        def page():
            return self.v2.json('GET', '/images?limit=10')['images']
        self.v2_image(name='one', tags=['a'])
        one = self.statements(self.api_server, page)
        for n in range(5):
            self.v2_image(name='more%d' % n, tags=['t%d' % n, 'b'])
        six = self.statements(self.api_server, page)
        self.assertEqual((one[0], 1), one)
        self.assertEqual((one[0], 6), six)
        # Each image still carries its own tags.
        tags = {i['name']: sorted(i['tags']) for i in page()}
        self.assertEqual(['a'], tags['one'])
        self.assertEqual(['b', 't3'], tags['more3'])


for _base in (TestDiskFull, TestSlowRegistry, TestDatabaseError,
              TestListingQueries):
    inject_support.variants(_base, globals())
del _base
