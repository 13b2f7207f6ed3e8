import { describe, expect, it } from 'vitest';
import { hostAllowed, parseHostHeader } from '../../../src/report/serve-host.ts';

describe('serve: Host header check', () => {
  it('accepts localhost, IP literals and the bound host, on the bound port', () => {
    for (const h of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'app.localhost:8080', '10.0.0.5:8080'])
      expect(hostAllowed(h, '127.0.0.1', 8080), h).toBe(true);
    expect(hostAllowed('ci-box.lan:8080', 'ci-box.lan', 8080)).toBe(true);
    expect(hostAllowed('localhost', '127.0.0.1', 80)).toBe(true);
  });

  it('refuses other names, other ports, a missing or malformed header', () => {
    for (const h of [
      'evil.example:8080',
      'localhost.evil.example:8080',
      '127.0.0.1.nip.io:8080',
      'localhost:8081',
      'localhost',
      '',
      'a:b:c',
      '[::1',
      'localhost:8080/x',
    ])
      expect(hostAllowed(h, '127.0.0.1', 8080), h).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1', 8080)).toBe(false);
    expect(hostAllowed('ci-box.lan:8080', '127.0.0.1', 8080)).toBe(false);
  });

  it('parses host and port', () => {
    expect(parseHostHeader('[::1]:9')).toEqual({ name: '::1', port: 9 });
    expect(parseHostHeader('Example.COM.')).toEqual({ name: 'example.com', port: undefined });
  });
});
