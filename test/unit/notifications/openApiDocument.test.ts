import { readFileSync } from 'node:fs';
import path from 'node:path';

import { HttpRequest } from '@azure/functions';

import openApiDocument from '../../../docs/openapi.json';
import { gatewayFunctions } from '../../../functions/gatewayFunctions';
import { openApiHandler } from '../../../functions/openApi';
import { validateNotificationRequest } from '../../../shared/notifications/request/notificationRequest';
import { validateNotificationUpdate } from '../../../shared/notifications/request/notificationUpdate';
import { resolveRef, schemaProblems } from './openApiSchemaCheck';

/**
 * docs/openapi.json against the code: every HTTP function is documented and nothing else, every $ref
 * resolves, and every example (in the document and in the README) is accepted by the real validators.
 */
const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
const httpMethods = ['get', 'put', 'post', 'delete', 'patch'];

describe('docs/openapi.json', () => {
  it('is OpenAPI 3.0 and documents exactly the HTTP functions the gateway registers', () => {
    const registered = gatewayFunctions.flatMap((definition) =>
      definition.kind === 'http' ? (definition.options.methods ?? ['GET']).map((method) => `${method.toLowerCase()} /api/${definition.options.route ?? definition.name}`) : [],
    );
    const documented = Object.entries(paths).flatMap(([route, item]) => Object.keys(item).filter((key) => httpMethods.includes(key)).map((method) => `${method} ${route}`));

    expect(openApiDocument.openapi).toMatch(/^3\.0\.\d+$/);
    expect(documented.sort()).toEqual(registered.sort());
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$ref' && typeof child === 'string') refs.push(child);
          else walk(child);
        }
      }
    };
    walk(openApiDocument);
    const components = openApiDocument.components as unknown as Record<string, Record<string, unknown>>;

    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(section !== undefined && name !== undefined && components[section]?.[name] !== undefined).toBe(true);
    }
  });

  it('has request examples the validator accepts and that match their schema', () => {
    const post = paths['/api/notifications']?.post as { requestBody: { content: { 'application/json': { examples: Record<string, { value: { sendAt?: string } }> } } } };
    const examples = Object.values(post.requestBody.content['application/json'].examples);

    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const { value } of examples) {
      const now = value.sendAt === undefined ? new Date('2026-03-01T10:00:00Z') : new Date(Date.parse(value.sendAt) - 3_600_000);
      expect(validateNotificationRequest(value, now)).toMatchObject({ ok: true });
      expect(schemaProblems('NotificationRequest', value)).toEqual([]);
    }
    const patch = paths['/api/notifications/{id}']?.patch as { requestBody: { content: { 'application/json': { example: unknown } } } };
    expect(validateNotificationUpdate(patch.requestBody.content['application/json'].example)).toMatchObject({ ok: true });
  });

  it('has a 202 example that matches its schema, and the schema checker catches a wrong one', () => {
    const post = paths['/api/notifications']?.post as { responses: { '202': { content: { 'application/json': { example: Record<string, unknown> } } } } };
    const example = post.responses['202'].content['application/json'].example;

    expect(schemaProblems('AcceptedNotification', example)).toEqual([]);
    expect(schemaProblems('AcceptedNotification', { ...example, deliveries: -1, extra: true })).toEqual([
      'AcceptedNotification.deliveries: below 0',
      'AcceptedNotification.extra: not in the schema',
    ]);
    expect(schemaProblems('Target', { teamId: 'x', scope: 'all' })).toEqual(['Target: matches 0 of oneOf, not exactly 1']);
    expect(() => resolveRef('#/components/schemas/Nope')).toThrow('unresolvable');
  });

  it('is served with this gateway as its server', async () => {
    const response = await openApiHandler(new HttpRequest({ method: 'GET', url: 'https://gw.example.com/api/openapi.json' }));

    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ openapi: openApiDocument.openapi, servers: [{ url: 'https://gw.example.com' }], paths: expect.any(Object) });
  });
});

describe('docs/openapi.json by Redocly CLI\'s recommended rules (those a unit test can check)', () => {
  const document = openApiDocument as unknown as {
    info: { license?: { name?: string; url?: string } };
    tags: { name: string; description?: string }[];
    paths: Record<string, Record<string, { operationId?: string; summary?: string; tags?: string[]; responses: Record<string, unknown> }>>;
  };
  const operations = Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, operation]) => ({ at: `${method} ${route}`, ...operation })),
  );

  it('names its license (info-license, info-license-url)', () => {
    expect(document.info.license).toEqual({ name: expect.stringMatching(/\S/), url: expect.stringMatching(/^https:\/\//) });
  });

  it('describes every tag and uses only those (tag-description, operation-tag-defined)', () => {
    expect(document.tags.filter((tag) => (tag.description ?? '').trim() === '').map((tag) => tag.name)).toEqual([]);
    const defined = new Set(document.tags.map((tag) => tag.name));
    expect(operations.filter((operation) => (operation.tags ?? []).length === 0 || operation.tags?.some((tag) => !defined.has(tag))).map((o) => o.at)).toEqual([]);
  });

  it('gives every operation a unique operationId and a summary (operation-operationId, operation-operationId-unique, operation-summary)', () => {
    expect(operations.filter((operation) => (operation.operationId ?? '') === '' || (operation.summary ?? '').trim() === '').map((o) => o.at)).toEqual([]);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents a 2XX and a 4XX answer of every operation (operation-2xx-response, operation-4xx-response)', () => {
    const without = (prefix: string): string[] => operations.filter((operation) => !Object.keys(operation.responses).some((status) => status.startsWith(prefix))).map((o) => o.at);
    expect(without('2')).toEqual([]);
    expect(without('4')).toEqual([]);
  });
});

describe("README.md's API section", () => {
  const text = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
  /** Shell variables the examples splice into a body (`'"$SEND_AT"'`), with values of the form they compute. */
  const splices: Record<string, string> = { SEND_AT: '2026-03-01T10:10:00Z', EXPIRES_AT: '2026-03-01T10:40:00Z' };
  /** Every `curl … -d '<json>'` to the gateway's notifications, with its method. */
  const bodies = [...text.matchAll(/curl [^\n]*-X (POST|PATCH) "\$GATEWAY\/api\/notifications[^\n]*-d '((?:[^']|'"\$\w+"')*)'/g)].map(([, method, body]) => ({
    method,
    body: JSON.parse((body ?? '').replace(/'"\$(\w+)"'/g, (_splice, name: string) => splices[name] ?? `unknown variable ${name}`)) as unknown,
  }));

  it('shows curl bodies the API accepts', () => {
    expect(bodies.filter((b) => b.method === 'POST')).toHaveLength(4);
    expect(bodies.filter((b) => b.method === 'PATCH')).toHaveLength(1);
    for (const { method, body } of bodies) {
      if (method === 'POST') {
        // As `npm start` configures callbacks: receivers on this machine (the Teams emulator's /callbacks/{name}).
        expect(validateNotificationRequest(body, new Date('2026-03-01T10:00:00Z'), { callbacks: { allowedHosts: ['localhost', '127.0.0.1'], allowPrivateNetwork: true } })).toMatchObject({ ok: true });
        expect(schemaProblems('NotificationRequest', body)).toEqual([]);
      } else {
        expect(validateNotificationUpdate(body)).toMatchObject({ ok: true });
      }
    }
  });
});
