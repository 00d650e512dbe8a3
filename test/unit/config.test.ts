import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.ts';

describe('configuration', () => {
  it('has defaults that work with PostgreSQL and Redis on localhost', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/confer');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.HOLD_SECONDS).toBe(120);
    expect(c.SESSION_IDLE_MINUTES).toBe(20);
    expect(c.SLOT_LOCK_ENABLED).toBe(true);
  });

  it('parses values from the environment', () => {
    const c = loadConfig({
      PORT: '8080',
      SLOT_LOCK_ENABLED: 'false',
      CORS_ORIGINS: 'https://a.test, https://b.test',
    });
    expect(c.PORT).toBe(8080);
    expect(c.SLOT_LOCK_ENABLED).toBe(false);
    expect(c.CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
  });

  it('refuses bad values with a message naming each variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', HOLD_SECONDS: '1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT');
    expect(msg).toContain('DATABASE_URL');
    expect(msg).toContain('HOLD_SECONDS');
  });
});
