// The access keys of this tab: sessionStorage only (never localStorage, a
// cookie or the server), removed by "Forget keys" or when the tab closes.

const KEY = 'berth-console-keys';

export function loadKeys() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (stored && typeof stored.accessKeyId === 'string' && typeof stored.secretAccessKey === 'string' && typeof stored.region === 'string') {
      return stored;
    }
  } catch {
    // unreadable: treated as absent, and removed
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

export function saveKeys({ accessKeyId, secretAccessKey, region }) {
  sessionStorage.setItem(KEY, JSON.stringify({ accessKeyId, secretAccessKey, region }));
}

export function forgetKeys() {
  sessionStorage.removeItem(KEY);
}
