// Parses a request body that must be one JSON object; anything else is a protocol violation (08P01).
import { invalidRequest } from '../errors/codes.ts';

/**
 * @example
 *   parseJsonObject('{"sql":"SELECT 1"}'); // { sql: 'SELECT 1' }
 *   parseJsonObject('[1]');                // throws 08P01 "request body must be a JSON object"
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
