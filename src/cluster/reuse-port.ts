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
