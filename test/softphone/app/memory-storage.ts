/** A Web Storage stand-in (localStorage / one tab's sessionStorage) over a Map, for the app-layer unit tests. */
export function memoryStorage() {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}
