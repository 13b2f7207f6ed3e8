/**
 * --ssh-private-key files that cannot be used get a one-line reason that says what the file is: not a
 * key, a public key, an encrypted key without (or with a wrong) passphrase. Keys are made by ssh2 itself
 * and read by its real parser.
 */
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { privateKeyProblem } from '../../../../src/cluster/ssh/connection.ts';

const plain = ssh2.utils.generateKeyPairSync('ed25519');
const encrypted = ssh2.utils.generateKeyPairSync('ed25519', {
  passphrase: 'sesame',
  cipher: 'aes256-ctr',
  rounds: 16,
});

describe('--ssh-private-key problems', () => {
  it('accepts a private key, and an encrypted one with its passphrase', () => {
    expect(privateKeyProblem(Buffer.from(plain.private), 'id')).toBeUndefined();
    expect(privateKeyProblem(Buffer.from(encrypted.private), 'id', 'sesame')).toBeUndefined();
  });

  it('says a text file is not a private key (not that it needs a passphrase)', () => {
    const why = privateKeyProblem(Buffer.from('# notes\nhello\n'), 'notes.txt');
    expect(why).toMatch(/^--ssh-private-key notes\.txt is not a private key/);
    expect(why).not.toMatch(/encrypted/i);
  });

  it('says a public key is one', () => {
    expect(privateKeyProblem(Buffer.from(plain.public), 'id.pub')).toMatch(
      /^--ssh-private-key id\.pub is a public key: give the private key \(the file without \.pub\)$/,
    );
  });

  it('asks for the passphrase of an encrypted key, and says when it is wrong', () => {
    expect(privateKeyProblem(Buffer.from(encrypted.private), 'id')).toMatch(
      /^private key id is encrypted: give its passphrase \(--ssh-key-passphrase/,
    );
    const wrong = privateKeyProblem(Buffer.from(encrypted.private), 'id', 'open');
    expect(wrong).toMatch(/^private key id cannot be decrypted: the passphrase is wrong/);
    expect(wrong).not.toContain('open');
  });
});
