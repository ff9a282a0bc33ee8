"""Parsing, table formatting and words of ``harness-cache-manage``
(the programs themselves run in the functional tests)."""

import contextlib
import io

import testtools

from harness.errors import ConfigError
from harness.service.cache import manage_cli
from harness.service.cache import manage_client
from harness.service.cache import manage_commands as commands


def run(argv):
    """``manage_cli.main(argv)``; return ``(status, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = manage_cli.main(argv)
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


class TestTable(testtools.TestCase):

    def test_header_and_rows(self):
        table = commands.PrettyTable()
        table.add_column(4, label='ID')
        table.add_column(6, label='Size', just='r')
        self.assertEqual('ID   Size  \n---- ------', table.make_header())
        self.assertEqual('abcd     42', table.make_row('abcdefg', 42))
        self.assertEqual('x    123456', table.make_row('x', 1234567))

    def test_iso_time_is_utc(self):
        self.assertEqual('2014-04-17T10:23:45Z', commands.iso_time(
            1397730225.12))
        self.assertEqual('1970-01-01T00:00:00Z', commands.iso_time(0))


class TestParsing(testtools.TestCase):

    def parse(self, *argv):
        return manage_cli.parse_args(manage_cli.build_parser(), argv)

    def test_defaults(self):
        options, args = self.parse('list-cached')
        self.assertEqual(['list-cached'], args)
        self.assertEqual(('0.0.0.0', 9292, False, False, False),
                         (options.host, options.port, options.force,
                          options.verbose, options.debug))

    def test_options_anywhere(self):
        options, args = self.parse('queue-image', 'abc', '-f', '-H',
                                   'h.example', '--port=1234', '-v')
        self.assertEqual(['queue-image', 'abc'], args)
        self.assertEqual(('h.example', 1234, True, True),
                         (options.host, options.port, options.force,
                          options.verbose))

    def test_legacy_auth_spellings(self):
        options, _ = self.parse('-A', 'tok', '-S', 'noauth', 'list-queued')
        self.assertEqual(('tok', 'noauth'), (options.os_auth_token,
                                             options.os_auth_strategy))

    def test_bad_values_are_config_errors(self):
        for argv, text in ((('-p', 'x'), 'invalid integer value'),
                           (('-p', '0'), 'not a TCP port number'),
                           (('-p', '65536'), 'not a TCP port number'),
                           (('-H', ' '), 'empty address'),
                           (('--bogus',), 'no such option: --bogus')):
            error = self.assertRaises(ConfigError, self.parse, *argv)
            self.assertIn(text, str(error))


class TestMain(testtools.TestCase):

    def test_no_arguments_prints_the_help(self):
        status, out, err = run([])
        self.assertEqual((0, ''), (status, err))
        self.assertIn('Usage: harness-cache-manage <command> [options]', out)
        self.assertIn('delete-all-queued-images    Deletes all images from '
                      'the cache queue', out)

    def test_options_only_prints_the_usage(self):
        status, out, _ = run(['-v'])
        self.assertEqual(0, status)
        self.assertTrue(out.startswith('Usage: harness-cache-manage'))

    def test_unknown_command(self):
        status, out, err = run(['frobnicate'])
        self.assertEqual((1, ''), (status, out))
        self.assertTrue(err.endswith('\nUnknown command: frobnicate\n'))

    def test_help_of_each_command(self):
        for name in commands.COMMANDS:
            status, out, _ = run(['help', name])
            self.assertEqual(0, status)
            self.assertIn('harness-cache-manage %s' % name, out)
        status, out, err = run(['help'])
        self.assertEqual((1, 'Please specify a command\n'), (status, err))

    def test_keystone_is_refused_before_any_request(self):
        status, out, _ = run(['-S', 'keystone', '-p', '1', 'list-cached'])
        self.assertEqual(1, status)
        self.assertEqual(['Failed to show cached images. Got error:',
                          "Authentication strategy 'keystone' is not "
                          'supported; use noauth (with --os-auth-token if '
                          'the API needs one)'], out.splitlines())


class TestClient(testtools.TestCase):

    def test_error_text_drops_blank_lines(self):
        self.assertEqual('400 Bad Request\nThe id is bad', manage_client
                         .error_text(b'400 Bad Request\n\n  The id is bad '
                                     b'\n\n'))

    def test_ids_are_one_path_segment(self):
        self.assertEqual('a%2Fb%3Fc', manage_client._quote('a/b?c'))

    def test_malformed_host_is_a_client_error(self):
        client = manage_client.CacheClient('a b', 1)
        error = self.assertRaises(manage_client.ClientError,
                                  client.get_queued_images)
        self.assertIn("Unable to connect to a b:1: URL can't contain "
                      'control characters', str(error))
