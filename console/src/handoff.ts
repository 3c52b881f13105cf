/**
 * A key just created, handed to the setup page in memory only (never in the URL or storage):
 * it disappears on reload, like the one-time display it came from.
 */
let freshKey: string | null = null;

export function handOffKey(key: string): void {
  freshKey = key;
}

export function takeHandedOffKey(): string | null {
  const key = freshKey;
  freshKey = null;
  return key;
}
