/** Requests for the webhook admin API (`/v1/admin/webhooks/…`): paths, methods, bodies and tokens near the valid ones. */
import fc from 'fast-check';

export const ADMIN_TOKEN = 'token-fuzz-admin-0123456789';

export const adminPath = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('/subscriptions', '/deliveries', '/dead-letters', '/deliveries?status=all&limit=5', '/dead-letters?status=replayed', '/dead-letters/x/replay', '/subscriptions/wh_x') },
  fc.constantFrom('', '/', '/subscriptions/', '/subscriptions/%E0%A4%A', '/deliveries?limit=0', '/deliveries?limit=99999', '/deliveries?status=', '/dead-letters/%2F/replay', '/dead-letters//replay', '/dead-letters/x/replay/again'),
  fc.webSegment().map((s) => `/${s}`),
  fc.tuple(fc.constantFrom('/subscriptions/', '/dead-letters/'), fc.webSegment()).map(([a, b]) => a + b),
);

export const adminMethod = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS');

export const adminAuthorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`Bearer ${ADMIN_TOKEN}`) },
  fc.constantFrom(undefined, 'Bearer token-fuzz', `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Basic ${ADMIN_TOKEN}`, 'Bearer \u00ff'),
);

const names = fc.oneof(fc.array(fc.constantFrom('notes', '*', 'receipts', ''), { maxLength: 3 }), fc.string(), fc.integer(), fc.constant(null));

/** Subscription bodies: mostly well-formed, some not; URLs point at a closed local port so no delivery leaves the machine. */
export const subscriptionBody = fc.oneof(
  fc.record({ url: fc.constant('http://127.0.0.1:9/hook'), collections: fc.constantFrom(['notes'], ['*']), operations: fc.constantFrom(['put'], ['delete', 'patch']) }, { requiredKeys: ['url', 'collections'] }).map((b) => new TextEncoder().encode(JSON.stringify(b))),
  anySubscriptionBody(),
);

function anySubscriptionBody(): fc.Arbitrary<Uint8Array> {
  return fc.record(
  {
    url: fc.oneof(fc.constant('http://127.0.0.1:9/hook'), fc.constantFrom('ftp://x/', 'not a url', '', 'http://'), fc.integer()),
    events: names,
    collections: names,
    operations: fc.oneof(fc.array(fc.constantFrom('put', 'patch', 'delete', 'increment', 'upsert'), { maxLength: 3 }), fc.string()),
    secret: fc.oneof(fc.constant(`whsec_${Buffer.from('fuzz secret of thirty-two bytes!').toString('base64')}`), fc.string()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
).map((b) => new TextEncoder().encode(JSON.stringify(b)));
}

/** Method and path together, weighted towards the requests that reach past the router. */
export const adminRoute = fc.oneof(
  { weight: 4, arbitrary: fc.constant(['POST', '/subscriptions'] as const) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('GET'), fc.constantFrom('/subscriptions', '/deliveries', '/dead-letters', '/deliveries?status=pending&limit=3', '/deliveries?limit=x', '/dead-letters?status=x')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('POST'), fc.constantFrom('/dead-letters/x/replay', '/dead-letters/%E0%A4%A/replay')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('DELETE'), fc.constantFrom('/subscriptions/wh_x', '/subscriptions/%E0%A4%A', '/subscriptions/')) },
  { weight: 2, arbitrary: fc.tuple(adminMethod, adminPath) },
);
