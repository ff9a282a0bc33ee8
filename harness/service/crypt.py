"""Encryption of image locations at rest.

With ``metadata_encryption_key`` set, location URLs are stored encrypted:
AES-CBC keyed with the key's bytes (16, 24 or 32 of them: AES-128/192/256),
a random 16-byte IV, the UTF-8 plaintext followed by a NUL byte and random
non-zero padding up to a multiple of *blocksize*, then URL-safe base64 of
IV + ciphertext.  Decryption keeps what precedes the last NUL.

This is not authenticated encryption: a wrong key is detected only because
the result is then (with overwhelming probability for real URLs) not
valid UTF-8 or has no plausible padding.
"""

import base64
import binascii
import os

from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

from harness.errors import HarnessError

IV_SIZE = 16
_AES_BLOCK = 16
_KEY_SIZES = (16, 24, 32)
#: The largest block size callers use (v1/registry and scrub queue): the
#: padding after the NUL can never be longer than this.
MAX_BLOCKSIZE = 64


class CryptError(HarnessError):
    """A key, block size or ciphertext that cannot be used."""


def _key_bytes(key):
    raw = key.encode('utf-8') if isinstance(key, str) else bytes(key)
    if len(raw) not in _KEY_SIZES:
        raise CryptError('metadata_encryption_key must be 16, 24 or 32 bytes '
                         'long (AES-128/192/256), not %d' % len(raw))
    return raw


def _pad(data, blocksize):
    """*data* + NUL + random non-zero bytes up to a multiple of
    *blocksize* (a whole extra block when *data* already is one)."""
    count = blocksize - len(data) % blocksize
    padding = bytearray()
    while len(padding) < count - 1:
        padding += os.urandom(count - 1 - len(padding)).replace(b'\0', b'')
    return data + b'\0' + bytes(padding)


def urlsafe_encrypt(key, plaintext, blocksize=16):
    """Encrypt *plaintext* (str, UTF-8 encoded; or bytes) with *key*.

    :param blocksize: the padding granularity: a multiple of 16 up to
        :data:`MAX_BLOCKSIZE` (16 in v2, 64 in the v1/registry path and
        the scrub queue).
    :returns: URL-safe base64 text of IV + ciphertext.
    :raises CryptError: bad key length or block size.
    """
    if not 0 < blocksize <= MAX_BLOCKSIZE or blocksize % _AES_BLOCK:
        raise CryptError('blocksize must be a multiple of %d up to %d, '
                         'not %r' % (_AES_BLOCK, MAX_BLOCKSIZE, blocksize))
    raw_key = _key_bytes(key)
    data = plaintext.encode('utf-8') if isinstance(plaintext, str) \
        else bytes(plaintext)
    iv = os.urandom(IV_SIZE)
    encryptor = Cipher(algorithms.AES(raw_key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(_pad(data, blocksize)) + encryptor.finalize()
    return base64.urlsafe_b64encode(iv + sealed).decode('ascii')


def urlsafe_decrypt(key, ciphertext):
    """Decrypt what :func:`urlsafe_encrypt` produced with the same *key*.

    :returns: the plaintext (str).
    :raises CryptError: bad key length, malformed ciphertext, or a result
        that cannot come from this key (wrong key).
    """
    raw_key = _key_bytes(key)
    text = ciphertext.encode('ascii', 'replace') \
        if isinstance(ciphertext, str) else bytes(ciphertext)
    try:
        blob = base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError) as exc:
        raise CryptError('Encrypted value is not URL-safe base64: %s'
                         % exc) from None
    iv, sealed = blob[:IV_SIZE], blob[IV_SIZE:]
    if not sealed or len(sealed) % _AES_BLOCK:
        raise CryptError('Encrypted value has an invalid length (%d bytes)'
                         % len(blob))
    decryptor = Cipher(algorithms.AES(raw_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(sealed) + decryptor.finalize()
    end = padded.rfind(b'\0')
    if end < 0 or len(padded) - end > MAX_BLOCKSIZE:
        raise CryptError('Unable to decrypt the value: wrong '
                         'metadata_encryption_key?')
    try:
        return padded[:end].decode('utf-8')
    except UnicodeDecodeError:
        raise CryptError('Unable to decrypt the value: wrong '
                         'metadata_encryption_key?') from None
