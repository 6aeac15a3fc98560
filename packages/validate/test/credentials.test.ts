import { describe, expect, it } from 'vitest';
import { literalCredentials, readsSecretElsewhere } from '../src/index.ts';

describe('literal credentials in config files', () => {
  it('finds literals assigned to secret-named keys, in Python, YAML, properties and INI', () => {
    const text = [
      'import os',
      'SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]',
      'SMTP_PASSWORD = "hunter2"',
      "MAPBOX_API_KEY = 'pk.abc'",
      'db:',
      '  password: changeme',
      'auth.token=abc123',
      '[s3]',
      'secret_access_key = AKIA',
      '# password = "in a comment"',
      'SMTP_USER = "superset"',
      'GUEST_TOKEN_HEADER_NAME = "X-Token"',
      'TOKEN_TTL = 300',
      'password: ${DB_PASSWORD}',
      'client_secret: "{{ .Values.secret }}"',
      'EMPTY_PASSWORD = ""',
      'JWT_SECRET = os.getenv("JWT_SECRET", "")',
    ].join('\n');
    expect(literalCredentials(text)).toEqual([
      { line: 3, key: 'SMTP_PASSWORD' },
      { line: 4, key: 'MAPBOX_API_KEY' },
      { line: 6, key: 'password' },
      { line: 7, key: 'auth.token' },
      { line: 9, key: 'secret_access_key' },
    ]);
  });

  it('a masked literal still counts (the diff checks masked text)', () => {
    expect(literalCredentials('SMTP_PASSWORD = "‹masked 7 bytes #0a1b2c3d›"\nPASS = ‹masked 3 bytes #00000000›')).toEqual([
      { line: 1, key: 'SMTP_PASSWORD' },
      { line: 2, key: 'PASS' },
    ]);
  });

  it('reading the environment is not a literal; a literal default is not treated as a read', () => {
    for (const v of ['os.environ["X"', 'os.getenv("X")', '${X}', '$(X)', '"${X}"', 'process.env.X', '{{ .x }}']) expect(readsSecretElsewhere(v), v).toBe(true);
    for (const v of ['hunter2', '"hunter2"', 'Pa(ss', '${X:-changeme}', 'environment1']) expect(readsSecretElsewhere(v), v).toBe(false);
  });
});
