// Field generators shared by TPC-H tables: phone numbers (spec 4.2.2.9) and random v-strings (4.2.2.7).
import type { Random } from '../random.ts';

/** 64 symbols for v-strings (addresses); none needs COPY escaping. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, ';

/**
 * A string of random length in [min, max] drawn from a 64-symbol alphabet, five symbols per random number.
 *
 * @example
 *   vstring(rng, 10, 40); // e.g. 'IVhzIApeRb ot,c,E'
 */
export function vstring(rng: Random, min: number, max: number): string {
  const length = rng.int(min, max);
  let out = '';
  let bits = 0;
  for (let i = 0; i < length; i++) {
    if (i % 5 === 0) bits = rng.uint32();
    out += ALPHABET[bits & 63];
    bits >>>= 6;
  }
  return out;
}

/**
 * A phone number `CC-LLL-LLL-LLLL` whose country code is the nation key + 10.
 *
 * @example
 *   phone(rng, 3); // e.g. '13-715-945-5763'
 */
export function phone(rng: Random, nationKey: number): string {
  return `${nationKey + 10}-${rng.int(100, 999)}-${rng.int(100, 999)}-${rng.int(1000, 9999)}`;
}
