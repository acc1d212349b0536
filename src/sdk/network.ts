/**
 * Whether the device is online, as a hook: browsers know at once when the network goes (the
 * socket may take long to notice), Node has no such signal. Found through `globalThis` and checked
 * at run time, so this module loads anywhere.
 */
export interface NetworkHook {
  online(): boolean;
  /** Calls `listener` on every change; returns the function that stops it. */
  watch(listener: (online: boolean) => void): () => void;
}

/** Always online: Node, workers without `navigator`, tests. */
export const alwaysOnline: NetworkHook = { online: () => true, watch: () => () => {} };

interface BrowserGlobals {
  navigator?: { onLine?: boolean };
  addEventListener?(type: string, fn: () => void): void;
  removeEventListener?(type: string, fn: () => void): void;
}

/** The browser's `navigator.onLine` and `online`/`offline` events, or {@link alwaysOnline}. */
export function globalNetwork(): NetworkHook {
  const g = globalThis as BrowserGlobals;
  if (typeof g.navigator?.onLine !== "boolean" || !g.addEventListener || !g.removeEventListener) return alwaysOnline;
  return {
    online: () => g.navigator?.onLine !== false,
    watch(listener) {
      const on = () => listener(true);
      const off = () => listener(false);
      g.addEventListener!("online", on);
      g.addEventListener!("offline", off);
      return () => {
        g.removeEventListener!("online", on);
        g.removeEventListener!("offline", off);
      };
    },
  };
}
