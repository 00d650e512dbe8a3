import { describe, expect, it } from 'vitest';
import { createApi } from '../../client/src/lib/api.ts';

describe('api client: uploads and posted files', () => {
  it('sends a Blob body as it is, with its own type and an Idempotency-Key', async () => {
    const seen: RequestInit[] = [];
    const api = createApi({
      token: () => 'tok',
      fetch: async (_url, init) => {
        seen.push(init!);
        return new Response('{"rows":1}', { status: 200 });
      },
    });
    const file = new Blob(['a;b\n1;2\n'], { type: 'text/csv' });
    const res = await api.write('POST', '/admin/imports', file);
    expect(res.ok).toBe(true);
    const headers = seen[0]!.headers as Record<string, string>;
    expect(headers['content-type']).toBe('text/csv');
    expect(headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]!.body).toBe(file);
  });

  it('a posted file request sends JSON and answers the returned file', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const api = createApi({
      token: () => 'tok',
      fetch: async (url, init) => {
        seen.push({ url: String(url), init: init! });
        return new Response('<html>letters</html>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        });
      },
    });
    const res = await api.file('/admin/access-codes/letters', { onlyWithoutCode: true });
    expect(res.ok && (await res.data.text())).toBe('<html>letters</html>');
    expect(seen[0]!.init.method).toBe('POST');
    expect(seen[0]!.init.body).toBe('{"onlyWithoutCode":true}');
    expect((seen[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer tok');
  });
});
