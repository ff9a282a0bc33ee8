"""The commands of ``harness-cache-manage``.

Each command takes the parsed ``options`` and its positional ``args`` and
returns the exit status.  It talks to the management API through
:mod:`.manage_client`; what it has to say -- results and failures alike --
goes to stdout, as Glance's ``glance-cache-manage`` printed it.  The
option parsing and ``main`` live in :mod:`.manage_cli`.
"""

import datetime
import functools

from harness.service.cache import manage_client

SUCCESS = 0
FAILURE = 1

ONE_ID = 'Please specify one and only ID of the image you wish to '


class PrettyTable(object):
    """Fixed-width text columns: ``add_column(width, label, just)``."""

    def __init__(self):
        self.columns = []

    def add_column(self, width, label='', just='l'):
        self.columns.append((width, label, just))

    def make_header(self):
        """The label line (always left-justified) and a line of dashes."""
        labels = [clip_and_justify(label, width, 'l')
                  for width, label, _ in self.columns]
        dashes = ['-' * width for width, _, _ in self.columns]
        return '\n'.join([' '.join(labels), ' '.join(dashes)])

    def make_row(self, *values):
        return ' '.join(clip_and_justify(value, width, just)
                        for value, (width, _, just)
                        in zip(values, self.columns))


def clip_and_justify(value, width, just):
    """``str(value)`` clipped to *width*, padded right (``'l'``) or left."""
    text = str(value)[:width]
    return text.rjust(width) if just == 'r' else text.ljust(width)


def iso_time(timestamp):
    """Epoch *timestamp* as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    moment = datetime.datetime.fromtimestamp(float(timestamp),
                                             datetime.timezone.utc)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def catch_error(action):
    """Turn the failures of a command into its words and exit status."""
    def wrap(func):
        @functools.wraps(func)
        def wrapper(options, args):
            try:
                result = func(options, args)
            except manage_client.NotFound:
                print('Cache management middleware not enabled on host %s'
                      % options.host)
                return FAILURE
            except manage_client.Forbidden:
                print('Not authorized to make this request.')
                return FAILURE
            except manage_client.ClientError as exc:
                if options.debug:
                    raise
                print('Failed to %s. Got error:' % action)
                for piece in str(exc).split('\n'):
                    print(piece)
                return FAILURE
            return SUCCESS if result is None else result
        return wrapper
    return wrap


def get_client(options):
    return manage_client.get_client(
        options.host, options.port, auth_token=options.os_auth_token,
        auth_strategy=options.os_auth_strategy,
        auth_url=options.os_auth_url)


def user_confirm(prompt):
    """Ask *prompt* ``[y/N]`` on stdin; only ``y``/``yes`` is a yes."""
    try:
        answer = input('%s [y/N] ' % prompt)
    except EOFError:
        print()
        return False
    return answer.strip().lower() in ('y', 'yes')


def single_id(args, purpose):
    """The one image id of *args*, or ``None`` after saying what to do."""
    if len(args) == 1:
        return args[0]
    print(ONE_ID)
    print('%s from the cache as the first argument' % purpose)
    return None


@catch_error('show cached images')
def list_cached(options, args):
    """%(prog)s list-cached [options]

List all images currently cached.
    """
    images = get_client(options).get_cached_images()
    if not images:
        print('No cached images.')
        return SUCCESS
    print('Found %d cached images...' % len(images))
    table = PrettyTable()
    table.add_column(36, label='ID')
    table.add_column(19, label='Last Accessed (UTC)')
    table.add_column(19, label='Last Modified (UTC)')
    # 1 TB takes 13 characters to display: len(str(2**40)) == 13
    table.add_column(14, label='Size', just='r')
    table.add_column(10, label='Hits', just='r')
    print(table.make_header())
    for image in images:
        accessed = image.get('last_accessed') or 0
        print(table.make_row(
            image['image_id'],
            'N/A' if accessed == 0 else iso_time(accessed),
            iso_time(image.get('last_modified') or 0),
            image.get('size'), image.get('hits')))
    return SUCCESS


@catch_error('show queued images')
def list_queued(options, args):
    """%(prog)s list-queued [options]

List all images currently queued for caching.
    """
    images = get_client(options).get_queued_images()
    if not images:
        print('No queued images.')
        return SUCCESS
    print('Found %d queued images...' % len(images))
    table = PrettyTable()
    table.add_column(36, label='ID')
    print(table.make_header())
    for image in images:
        print(table.make_row(image))
    return SUCCESS


def _one_image_command(purpose, question, method, done):
    """A command acting on one image id, after confirmation."""
    def command(options, args):
        image_id = single_id(args, purpose)
        if image_id is None:
            return FAILURE
        if not options.force and not user_confirm(question % image_id):
            return SUCCESS
        getattr(get_client(options), method)(image_id)
        if options.verbose:
            print(done % image_id)
        return SUCCESS
    return command


def _all_images_command(question, method, done):
    """A command emptying the cache or the queue, after confirmation."""
    def command(options, args):
        if not options.force and not user_confirm(question):
            return SUCCESS
        num_deleted = getattr(get_client(options), method)()
        if options.verbose:
            print(done % num_deleted)
        return SUCCESS
    return command


def _command(action, doc, func):
    func.__doc__ = doc
    return catch_error(action)(func)


queue_image = _command(
    'queue the specified image for caching',
    """%(prog)s queue-image <IMAGE_ID> [options]

Queues an image for caching
""",
    _one_image_command('queue', 'Queue image %s for caching?',
                       'queue_image_for_caching',
                       'Queued image %s for caching'))

delete_cached_image = _command(
    'delete the specified cached image',
    """
%(prog)s delete-cached-image <IMAGE_ID> [options]

Deletes an image from the cache
    """,
    _one_image_command('delete', 'Delete cached image %s?',
                       'delete_cached_image', 'Deleted cached image %s'))

delete_all_cached_images = _command(
    'Delete all cached images',
    """%(prog)s delete-all-cached-images [options]

Removes all images from the cache.
    """,
    _all_images_command('Delete all cached images?',
                        'delete_all_cached_images',
                        'Deleted %s cached images'))

delete_queued_image = _command(
    'delete the specified queued image',
    """
%(prog)s delete-queued-image <IMAGE_ID> [options]

Deletes an image from the cache
    """,
    _one_image_command('delete', 'Delete queued image %s?',
                       'delete_queued_image', 'Deleted queued image %s'))

delete_all_queued_images = _command(
    'Delete all queued images',
    """%(prog)s delete-all-queued-images [options]

Remove all images from the cache queue.
    """,
    _all_images_command('Delete all queued images?',
                        'delete_all_queued_images',
                        'Deleted %s queued images'))

COMMANDS = {
    'list-cached': list_cached,
    'list-queued': list_queued,
    'queue-image': queue_image,
    'delete-cached-image': delete_cached_image,
    'delete-all-cached-images': delete_all_cached_images,
    'delete-queued-image': delete_queued_image,
    'delete-all-queued-images': delete_all_queued_images,
}
