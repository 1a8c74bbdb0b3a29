import { isGoDuration } from '../../common/go-duration';
import { type Checker, SHAPES } from './checker';
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
  if (!isGoDuration(eso.refreshInterval))
    c.add(
      'eso.refreshInterval',
      eso.refreshInterval,
      'a Go duration such as "1h", "15m" or "0" (never refresh)',
    );
  if (
    eso.readyTimeout !== undefined &&
    (!isGoDuration(eso.readyTimeout) || eso.readyTimeout === '0')
  )
    c.add('eso.readyTimeout', eso.readyTimeout, 'a Go duration above zero such as "2m" or "90s"');
}
