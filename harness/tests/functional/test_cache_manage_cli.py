"""``python -m harness.cmd.cache_manage`` run as a user runs it, against
launched servers."""

import socket
import sys
import uuid

from harness.glance import utils
from harness.tests.functional import cache_manage_support as support

NOT_ENABLED = 'Cache management middleware not enabled on host 127.0.0.1\n'


class TestCacheManageCli(support.CacheTest):

    def test_list_cached(self):
        self.start()
        out, _ = self.cache_manage('list-cached')
        self.assertEqual('No cached images.\n', out)
        image_id = self.create_image()
        self.cache_image(image_id)
        out, _ = self.cache_manage('list-cached')
        lines = out.splitlines()
        self.assertEqual('Found 1 cached images...', lines[0])
        self.assertEqual('%-36s %-19s %-19s %-14s %-10s' % (
            'ID', 'Last Accessed (UTC)', 'Last Modified (UTC)', 'Size',
            'Hits'), lines[1])
        self.assertEqual(' '.join('-' * n for n in (36, 19, 19, 14, 10)),
                         lines[2])
        row = lines[3]
        self.assertEqual(image_id, row[:36])
        self.assertEqual('N/A'.ljust(19), row[37:56])
        self.assertRegex(row[57:76], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$')
        self.assertEqual(str(support.FIVE_KB).rjust(14), row[77:91])
        self.assertEqual('0'.rjust(10), row[92:])
        self.assertEqual(4, len(lines))

    def test_queue_list_and_delete_queued(self):
        self.start()
        image_id = self.create_image()
        out, _ = self.cache_manage('list-queued')
        self.assertEqual('No queued images.\n', out)
        # Without --force the question is asked; no answer is a no.
        out, _ = self.cache_manage('queue-image %s' % image_id)
        self.assertEqual('Queue image %s for caching? [y/N] \n' % image_id,
                         out)
        self.assertEqual([], self.queued())
        out, _ = self.cache_manage('-f queue-image %s' % image_id)
        self.assertEqual('', out)
        self.assertEqual([image_id], self.queued())
        out, _ = self.cache_manage('list-queued')
        self.assertEqual(['Found 1 queued images...', 'ID'.ljust(36),
                          '-' * 36, image_id], out.splitlines())
        out, _ = self.cache_manage('-f -v delete-queued-image %s' % image_id)
        self.assertEqual('Deleted queued image %s' % image_id,
                         out.splitlines()[0])
        self.assertRegex(out.splitlines()[1], r'^Completed in \d+\.\d{4} '
                                              r'sec\.$')
        self.assertEqual([], self.queued())
        self.cache_manage('-f queue-image %s' % image_id)
        out, _ = self.cache_manage('--force --verbose '
                                   'delete-all-queued-images')
        self.assertEqual('Deleted 1 queued images', out.splitlines()[0])
        self.assertEqual([], self.queued())

    def test_queue_image_verbose(self):
        self.start()
        image_id = self.create_image()
        out, _ = self.cache_manage('queue-image %s -f -v' % image_id)
        self.assertEqual('Queued image %s for caching' % image_id,
                         out.splitlines()[0])

    def test_delete_cached(self):
        self.start()
        first = self.create_image(name='first')
        second = self.create_image(name='second')
        self.cache_image(first)
        self.cache_image(second)
        out, _ = self.cache_manage('delete-all-cached-images')
        self.assertEqual('Delete all cached images? [y/N] \n', out)
        self.assertEqual(sorted([first, second]), sorted(self.cached()))
        out, _ = self.cache_manage('-f delete-cached-image %s' % first)
        self.assertEqual('', out)
        self.assertEqual([second], list(self.cached()))
        out, _ = self.cache_manage('-f -v delete-all-cached-images')
        self.assertEqual('Deleted 1 cached images', out.splitlines()[0])
        self.assertEqual({}, self.cached())

    def test_one_and_only_one_id(self):
        self.start()
        expected = ('Please specify one and only ID of the image you wish '
                    'to \n%s from the cache as the first argument\n')
        for args, verb in (('queue-image', 'queue'),
                           ('queue-image a b', 'queue'),
                           ('delete-cached-image', 'delete'),
                           ('delete-queued-image a b', 'delete')):
            out, _ = self.cache_manage('-f ' + args, expected_exitcode=1)
            self.assertEqual(expected % verb, out)

    def test_unknown_image(self):
        self.start()
        unknown = str(uuid.uuid4())
        out, _ = self.cache_manage('-f queue-image %s' % unknown,
                                   expected_exitcode=1)
        lines = out.splitlines()
        self.assertEqual('Failed to queue the specified image for caching. '
                         'Got error:', lines[0])
        self.assertIn('No image found with ID %s' % unknown, out)
        out, _ = self.cache_manage('-f queue-image a/b', expected_exitcode=1)
        self.assertEqual(['Failed to queue the specified image for caching. '
                          'Got error:', '400 Bad Request'],
                         out.splitlines()[:2])
        self.assertIn("Invalid image id 'a/b'", out)
        self.assertEqual([], self.queued())

    def test_filter_not_enabled(self):
        self.api_server.deployment_flavor = 'caching'
        self.start()
        out, _ = self.cache_manage('list-cached', expected_exitcode=1)
        self.assertEqual(NOT_ENABLED, out)
        out, _ = self.cache_manage('-f delete-all-queued-images',
                                   expected_exitcode=1)
        self.assertEqual(NOT_ENABLED, out)

    def test_not_authorized(self):
        self.start()
        self.set_policy_rules({'default': '',
                               'manage_image_cache': 'role:admin'})
        for args in ('list-cached', 'list-queued',
                     '-f queue-image %s' % uuid.uuid4()):
            out, _ = self.cache_manage(args, expected_exitcode=1)
            self.assertEqual('Not authorized to make this request.\n', out)

    def test_no_servers_running(self):
        self.start()
        port = self.api_port
        self.stop_servers()
        out, _ = self.cache_manage('list-cached', expected_exitcode=1,
                                   port=port)
        self.assertEqual(['Failed to show cached images. Got error:',
                          'Unable to connect to 127.0.0.1:%d: [Errno 111] '
                          'Connection refused' % port], out.splitlines())

    def test_bad_host(self):
        cmd = ('%s -m harness.cmd.cache_manage -H no-such-host.invalid '
               'list-queued' % sys.executable)
        exitcode, out, err = utils.execute(cmd, raise_error=False)
        self.assertEqual(1, exitcode, err)
        lines = out.splitlines()
        self.assertEqual('Failed to show queued images. Got error:',
                         lines[0])
        self.assertTrue(lines[1].startswith(
            'Unable to connect to no-such-host.invalid:9292: '), out)
        self.assertEqual(2, len(lines))
        self.assertEqual('', err)

    def test_bad_port(self):
        for port, message in (
                ('abc', "option -p: invalid integer value: 'abc'"),
                ('70000', 'option -p/--port: 70000 is not a TCP port '
                          'number (1-65535)')):
            cmd = '%s -m harness.cmd.cache_manage -p %s list-cached' % (
                sys.executable, port)
            exitcode, out, err = utils.execute(cmd, raise_error=False)
            self.assertEqual((1, ''), (exitcode, out))
            self.assertEqual('ERROR: %s\n' % message, err)

    def test_nothing_listens_on_the_port(self):
        with socket.socket() as sock:
            # Bound, never listening: connections to it are refused.
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
            out, _ = self.cache_manage('-f delete-cached-image x',
                                       expected_exitcode=1, port=port)
        self.assertEqual(
            ['Failed to delete the specified cached image. Got error:',
             'Unable to connect to 127.0.0.1:%d: [Errno 111] Connection '
             'refused' % port], out.splitlines())

    def test_usage(self):
        cmd = '%s -m harness.cmd.cache_manage' % sys.executable
        exitcode, out, err = utils.execute(cmd, raise_error=False)
        self.assertEqual((0, ''), (exitcode, err))
        self.assertIn('list-cached                 List all images '
                      'currently cached', out)
        self.assertIn('-f, --force', out)
        exitcode, out, err = utils.execute(cmd + ' frobnicate',
                                           raise_error=False)
        self.assertEqual((1, ''), (exitcode, out))
        self.assertTrue(err.startswith('Usage: harness-cache-manage '), err)
        self.assertTrue(err.endswith('Unknown command: frobnicate\n'), err)
        exitcode, out, err = utils.execute(
            cmd + ' help delete-all-queued-images', raise_error=False)
        self.assertEqual((0, ''), (exitcode, err))
        self.assertEqual('harness-cache-manage delete-all-queued-images '
                         '[options]\n\nRemove all images from the cache '
                         'queue.', out.strip())
