// Checks the coordinator's shared secret (`Authorization: Bearer <secret>`) in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an Authorization header carries the expected bearer secret. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of the presented value.
 *
 * @example
 *   bearerMatches(req.headers.authorization, 's3cret'); // true for "Bearer s3cret"
 */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  const presented = match?.[1] ?? '';
  const ok = timingSafeEqual(digest(presented), digest(secret));
  return ok && presented.length > 0 && secret.length > 0;
}
