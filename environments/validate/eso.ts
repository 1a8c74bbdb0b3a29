import { goDurationSeconds, isGoDuration } from '../../common/go-duration';
import { type Checker, SHAPES } from './checker';
import { LIMITS } from './limits';

/** A Go duration Go itself can hold (at most 2^63 - 1 nanoseconds). */
function isBoundedGoDuration(text: unknown): text is string {
  return isGoDuration(text) && goDurationSeconds(text) * 1e9 <= LIMITS.maxGoDurationNanos;
}
import { OPTIONS } from './schema';

export function validateEso(c: Checker, value: unknown, tenanted: boolean): void {
  const eso = c.object('eso', value, 'eso');
  if (!eso) return;
  c.oneOf('eso.apiVersion', eso.apiVersion, OPTIONS.esoApiVersion);
  c.shape('eso.storeName', eso.storeName, SHAPES.objectName);
  if (tenanted) {
    if (eso.isolation !== undefined) c.oneOf('eso.isolation', eso.isolation, OPTIONS.isolation);
  } else {
    c.absent(
      'eso.isolation',
      eso.isolation,
      'it says how tenants are kept apart, and there are none',
    );
  }
  if (
    c.oneOf('eso.storeAuth', eso.storeAuth, OPTIONS.storeAuth) &&
    eso.storeAuth === 'token' &&
    tenanted
  )
    c.add(
      'eso.storeAuth',
      eso.storeAuth,
      '"kubernetes" with tenants: one static Vault token would read every tenant\'s secrets',
    );
  const refresh = isBoundedGoDuration(eso.refreshInterval)
    ? goDurationSeconds(eso.refreshInterval)
    : undefined;
  if (refresh === undefined || (refresh > 0 && refresh < LIMITS.minRefreshSeconds))
    c.add(
      'eso.refreshInterval',
      eso.refreshInterval,
      `a Go duration such as "1h", "15m" or "0" (never refresh), at least "${LIMITS.minRefreshSeconds}s": each refresh is a Vault login and read for every ExternalSecret`,
    );
  if (
    eso.readyTimeout !== undefined &&
    (!isBoundedGoDuration(eso.readyTimeout) || goDurationSeconds(eso.readyTimeout) === 0)
  )
    c.add('eso.readyTimeout', eso.readyTimeout, 'a Go duration above zero such as "2m" or "90s"');
}
