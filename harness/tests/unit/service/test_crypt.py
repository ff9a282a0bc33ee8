"""Location encryption."""

import base64

from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
import testtools

from harness.service import crypt

KEY = '0123456789abcdef0123456789abcdef'
OTHER_KEY = 'fedcba9876543210fedcba9876543210'
LONG_URL = ('file:///var/lib/harness/images/'
            '6b7c1b1e-4b1b-4c3e-9d4d-0b5b4b3c2d1e?with=a-long-query-string'
            '&so=the-plaintext-spans-several-blocks')


def raw_decrypt(key, text):
    """Decrypt by hand: (iv, padded plaintext)."""
    blob = base64.urlsafe_b64decode(text)
    decryptor = Cipher(algorithms.AES(key.encode()),
                       modes.CBC(blob[:16])).decryptor()
    return blob[:16], decryptor.update(blob[16:]) + decryptor.finalize()


class TestRoundTrip(testtools.TestCase):

    def test_round_trip_all_lengths_and_block_sizes(self):
        for blocksize in (16, 64):
            for length in range(0, 140):
                plain = ('x' * length)
                text = crypt.urlsafe_encrypt(KEY, plain, blocksize)
                self.assertEqual(plain, crypt.urlsafe_decrypt(KEY, text))

    def test_key_sizes(self):
        for key in (KEY[:16], KEY[:24], KEY):
            text = crypt.urlsafe_encrypt(key, LONG_URL)
            self.assertEqual(LONG_URL, crypt.urlsafe_decrypt(key, text))

    def test_unicode_nul_and_bytes(self):
        for plain in ('http://example.com/\u00e9t\u00e9/\u2603',
                      'a\0b', '\0'):
            text = crypt.urlsafe_encrypt(KEY, plain, 64)
            self.assertEqual(plain, crypt.urlsafe_decrypt(KEY, text))
        text = crypt.urlsafe_encrypt(KEY.encode(), b'bytes in', 16)
        self.assertEqual('bytes in',
                         crypt.urlsafe_decrypt(KEY.encode(), text.encode()))

    def test_random_iv(self):
        first = crypt.urlsafe_encrypt(KEY, LONG_URL)
        second = crypt.urlsafe_encrypt(KEY, LONG_URL)
        self.assertNotEqual(first, second)


class TestFormat(testtools.TestCase):

    def test_layout(self):
        for blocksize in (16, 64):
            for plain in ('', 'a', 'x' * 15, 'x' * 16, 'x' * 63, 'x' * 64,
                          LONG_URL):
                text = crypt.urlsafe_encrypt(KEY, plain, blocksize)
                self.assertTrue(set(text) <= set(
                    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
                    '0123456789-_='), text)
                iv, padded = raw_decrypt(KEY, text)
                self.assertEqual(16, len(iv))
                self.assertEqual(0, len(padded) % blocksize)
                data = plain.encode()
                # NUL right after the plaintext, then non-zero padding
                # (a whole block when the plaintext fills its blocks).
                self.assertEqual(data + b'\0', padded[:len(data) + 1])
                padding = padded[len(data) + 1:]
                self.assertNotIn(b'\0', padding)
                self.assertEqual(blocksize - len(data) % blocksize - 1,
                                 len(padding))

    def test_decrypts_values_made_by_another_implementation(self):
        # IV + AES-CBC(plaintext NUL padding), URL-safe base64: what a
        # Glance-era service wrote.
        iv = bytes(range(16))
        padded = b'http://example.com/i' + b'\0' + b'\x07' * 11
        encryptor = Cipher(algorithms.AES(KEY.encode()),
                           modes.CBC(iv)).encryptor()
        text = base64.urlsafe_b64encode(
            iv + encryptor.update(padded) + encryptor.finalize()).decode()
        self.assertEqual('http://example.com/i',
                         crypt.urlsafe_decrypt(KEY, text))


class TestErrors(testtools.TestCase):

    def test_wrong_key_is_a_clear_error(self):
        for blocksize in (16, 64):
            for _ in range(50):
                text = crypt.urlsafe_encrypt(KEY, LONG_URL, blocksize)
                error = self.assertRaises(crypt.CryptError,
                                          crypt.urlsafe_decrypt,
                                          OTHER_KEY, text)
                self.assertIn('wrong metadata_encryption_key', str(error))

    def test_bad_key_lengths(self):
        for key in ('', 'short', KEY[:15], KEY + 'x', KEY * 2):
            error = self.assertRaises(crypt.CryptError,
                                      crypt.urlsafe_encrypt, key, 'x')
            self.assertIn('16, 24 or 32 bytes', str(error))
            self.assertRaises(crypt.CryptError, crypt.urlsafe_decrypt, key,
                              crypt.urlsafe_encrypt(KEY, 'x'))

    def test_bad_block_sizes(self):
        for blocksize in (0, -16, 8, 20, 128):
            self.assertRaises(crypt.CryptError, crypt.urlsafe_encrypt, KEY,
                              'x', blocksize)

    def test_malformed_ciphertext(self):
        good = crypt.urlsafe_encrypt(KEY, LONG_URL)
        for text in ('', 'abc', good[:-8], good[:24], 'not base64 at all!',
                     '\u00e9' * 40):
            self.assertRaises(crypt.CryptError, crypt.urlsafe_decrypt, KEY,
                              text)

    def test_errors_are_harness_errors(self):
        from harness.errors import HarnessError
        self.assertTrue(issubclass(crypt.CryptError, HarnessError))
