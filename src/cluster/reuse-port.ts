import type { ClusterScheduling } from '../config/env.schema';

/** What `GATEWAY_CLUSTER_SCHEDULING` comes to once `auto` is decided. */
export type EffectiveScheduling = Exclude<ClusterScheduling, 'auto'>;

/**
 * `auto` is `reuseport` where the runtime has it and `round-robin` elsewhere: no connection waits
 * for a hand-off through the primary where the kernel can spread them (see the env schema).
 */
export function effectiveScheduling(
  configured: ClusterScheduling,
  supported: boolean = reusePortSupported(),
): EffectiveScheduling {
  if (configured !== 'auto') return configured;
  return supported ? 'reuseport' : 'round-robin';
}

/**
 * Whether this runtime can give each fork a listening socket of its own on the shared port
 * (`reusePort`, SO_REUSEPORT with the kernel spreading connections): Node ≥ 22.12 or ≥ 23.1, on
 * the platforms Node names for it.
 */
export function reusePortSupported(
  nodeVersion: string = process.versions.node,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (!['linux', 'freebsd', 'sunos', 'aix'].includes(platform)) return false;
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
