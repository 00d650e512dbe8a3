import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig, PRODUCTION_REQUIRED } from '../../server/src/config.ts';

// Docker cannot run here, so docker-compose.yml is checked by reading it: its
// services, health checks and volumes, and — through the app's own config parser —
// that the environment it gives the server and the workers starts in production.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const text = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
  configs: Record<string, { content: string }>;
};

/** Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR:?error}. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name, op, arg) => {
    if (whole === '$$') return '$';
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '-') return arg;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

const SECRETS = {
  POSTGRES_PASSWORD: 'q8Zr2vN4pL7xK1mW9tY3',
  REDIS_PASSWORD: 'b5Hj8sD2fG6kL0pQ4wE7',
  SERVER_SECRET: 'Xo3nV8qLw1Zr6tKp9Bf2Hs5Dm7Gy4Jc0Ua',
  PUBLIC_URL: 'https://parents.example-school.org.uk',
};

function environmentOf(service: string, vars: Record<string, string> = SECRETS): Record<string, string> {
  const env = compose.services[service].environment as Record<string, string | number>;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), vars)]));
}

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, the server, the workers, a reverse proxy and a mail catcher', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['mailpit', 'postgres', 'proxy', 'redis', 'server', 'workers'].sort(),
    );
    // The image runs the compiled JavaScript (npm run build:server), no TypeScript loader.
    expect(compose.services.workers.command).toEqual(['node', 'dist/workers/index.js']);
    expect(compose.services.server.command).toEqual(['node', 'dist/server/src/index.js']);
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const hc = service.healthcheck;
      expect(hc, name).toBeDefined();
      expect(hc.disable, name).not.toBe(true);
      expect(Array.isArray(hc.test) ? hc.test.length : String(hc.test).length, name).toBeGreaterThan(1);
      expect(hc.test[0], name).not.toBe('NONE');
    }
  });

  it('keeps data in named volumes and runs Redis with AOF every second and noeviction', () => {
    for (const [service, mount] of [
      ['postgres', '/var/lib/postgresql/data'],
      ['redis', '/data'],
    ] as const) {
      const volume = compose.services[service].volumes
        .map((v: string) => v.split(':'))
        .find(([, target]: string[]) => target === mount);
      expect(volume, service).toBeDefined();
      expect(Object.keys(compose.volumes)).toContain(volume[0]);
    }
    const command = compose.services.redis.command.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('holds no secrets: passwords come from the environment and are required', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {}))
        if (/PASSWORD|AUTH|SECRET/.test(key)) expect(String(value), `${name} ${key}`).toMatch(/^\$\{\w+:\?/);
    }
    for (const service of ['server', 'workers']) {
      const raw = compose.services[service].environment;
      for (const key of ['DATABASE_URL', 'REDIS_URL'])
        expect(raw[key]).toMatch(/:\$\{\w+_PASSWORD:\?[^}]+\}@/);
      // Without the secrets, compose refuses to start instead of using a default.
      expect(() => environmentOf(service, {})).toThrow(/PASSWORD/);
    }
  });

  it('serves HTTPS with mounted certificates and HSTS; plain HTTP only redirects', () => {
    const proxy = compose.services.proxy;
    expect(proxy.ports).toEqual(
      expect.arrayContaining([expect.stringMatching(/:443$/), expect.stringMatching(/:80$/)]),
    );
    const tls = proxy.volumes.find((v: string) => v.includes(':/etc/nginx/tls'));
    expect(tls).toMatch(/^\$\{TLS_DIR:\?[^}]+\}:\/etc\/nginx\/tls:ro$/);
    const conf: string = compose.configs['nginx-conf']!.content;
    expect(conf).toMatch(/listen 443 ssl/);
    expect(conf).toContain('ssl_certificate /etc/nginx/tls/fullchain.pem;');
    expect(conf).toContain('ssl_certificate_key /etc/nginx/tls/privkey.pem;');
    expect(conf).toMatch(/add_header Strict-Transport-Security "max-age=\d{8,}" always;/);
    // The port-80 server proxies nothing but the health check: everything else is a redirect.
    const plain = conf.slice(conf.indexOf('listen 80;'), conf.indexOf('listen 443'));
    expect(plain).toContain('return 301 https://');
    expect(plain.match(/proxy_pass/g)).toHaveLength(1);
    expect(plain).toMatch(/location = \/healthz \{\s*proxy_pass/);
    // And the links mailed to parents: PUBLIC_URL is required, with no http default.
    expect(compose.services.server.environment.PUBLIC_URL).toMatch(/^\$\{PUBLIC_URL:\?/);
    expect(() => environmentOf('server', { ...SECRETS, PUBLIC_URL: '' })).toThrow(/PUBLIC_URL/);
  });

  it('sets every variable the app requires, and the app accepts them in production', () => {
    for (const service of ['server', 'workers']) {
      const env = environmentOf(service);
      expect(env.NODE_ENV).toBe('production');
      for (const name of PRODUCTION_REQUIRED) expect(env[name], `${service} ${name}`).toBeTruthy();
      const config = loadConfig(env);
      // Every variable the file sets is one the app reads (a typo would be silently ignored).
      for (const key of Object.keys(env)) expect(Object.keys(config), `${service} ${key}`).toContain(key);
      expect(config.DATABASE_URL).toContain('@postgres:5432/confer');
      expect(config.SMTP_URL).toBe('smtp://mailpit:1025');
    }
  });
});

describe('production start', () => {
  it('refuses to start without its own database and Redis settings', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL must be set[\s\S]*REDIS_URL must be set/,
    );
  });

  it('refuses default or weak secrets and accepts strong ones', () => {
    const strong = {
      NODE_ENV: 'production',
      DATABASE_URL: `postgres://confer:${SECRETS.POSTGRES_PASSWORD}@db:5432/confer`,
      REDIS_URL: `redis://:${SECRETS.REDIS_PASSWORD}@redis:6379`,
      SERVER_SECRET: SECRETS.SERVER_SECRET,
      PUBLIC_URL: SECRETS.PUBLIC_URL,
    };
    expect(loadConfig(strong).NODE_ENV).toBe('production');
    for (const [key, value, why] of [
      ['DATABASE_URL', 'postgres://postgres@db:5432/confer', /DATABASE_URL must carry a password/],
      [
        'DATABASE_URL',
        'postgres://postgres:postgres@db:5432/confer',
        /DATABASE_URL has a default or weak password/,
      ],
      ['REDIS_URL', 'redis://redis:6379', /REDIS_URL must carry a password/],
      ['REDIS_URL', 'redis://:changeme@redis:6379', /REDIS_URL has a default or weak password/],
      ['SMTP_URL', 'smtp://mail:password@relay:25', /SMTP_URL has a default or weak password/],
      ['DATABASE_URL', 'postgres://confer:aaaaaaaaaaaa@db:5432/confer', /DATABASE_URL has a default or weak/],
      ['REDIS_URL', 'redis://:abababababab@redis:6379', /REDIS_URL has a default or weak password/],
      ['REDIS_URL', 'redis://:123456789012@redis:6379', /REDIS_URL has a default or weak password/],
      ['PUBLIC_URL', 'http://parents.example-school.org.uk', /PUBLIC_URL must be an https/],
      ['SERVER_SECRET', 'short', /SERVER_SECRET: Too small/],
      ['SERVER_SECRET', 'confer-development-secret-not-for-production', /SERVER_SECRET must be set/],
      ['SERVER_SECRET', 'a'.repeat(40), /SERVER_SECRET must be set/],
    ] as const) {
      expect(() => loadConfig({ ...strong, [key]: value }), `${key}=${value}`).toThrow(why);
    }
    // Without PUBLIC_URL every mailed link would point at http://localhost.
    const { PUBLIC_URL: _url, ...noUrl } = strong;
    expect(() => loadConfig(noUrl)).toThrow(/PUBLIC_URL must be set/);
    // A relay that takes the server without credentials is fine.
    expect(loadConfig({ ...strong, SMTP_URL: 'smtp://relay.school.internal:25' }).SMTP_URL).toContain(
      'relay',
    );
    // Development and tests keep their password-less local defaults.
    expect(loadConfig({ NODE_ENV: 'development' }).DATABASE_URL).toContain('127.0.0.1');
  });
});
