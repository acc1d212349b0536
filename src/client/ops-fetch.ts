/**
 * The /ops page's one request: GET /api/v1/cluster with the operator's key, every outcome turned
 * into something the page can say. No DOM, so it runs in the unit tests too.
 */
import type { ClusterView } from "../protocol/index.js";

export type ViewOutcome =
  | { ok: true; view: ClusterView }
  | {
      ok: false;
      /** key: refused (ask again); off: the API is off here; retry: try again later (after `retryAfterMs`). */
      kind: "key" | "off" | "retry";
      message: string;
      retryAfterMs?: number;
    };

interface ErrorReply {
  error?: { code?: string; message?: string; retryAfterMs?: number };
}

/** Fetches the cluster view; never throws. */
export async function fetchClusterView(key: string, fetchFn: typeof fetch = fetch): Promise<ViewOutcome> {
  let res: Response;
  try {
    res = await fetchFn("/api/v1/cluster", { headers: { authorization: `Bearer ${key}` }, cache: "no-store" });
  } catch {
    return { ok: false, kind: "retry", message: "Cannot reach the server. Retrying…" };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.ok && body && typeof body === "object" && Array.isArray((body as ClusterView).replicas)) return { ok: true, view: body as ClusterView };
  const error = (body as ErrorReply | undefined)?.error;
  const said = error?.message ? `: ${error.message}` : "";
  if (res.status === 401) return { ok: false, kind: "key", message: "The server refused this API key (401 unauthorized). Use a key from its API_KEYS." };
  if (res.status === 404 && error?.code === "not_found") return { ok: false, kind: "off", message: `This server has no cluster view${said}.` };
  const retryAfterMs = error?.retryAfterMs ?? retryAfterHeader(res.headers.get("retry-after"));
  if (res.status === 429) return { ok: false, kind: "retry", message: `Too many requests for this key${said}. Retrying…`, retryAfterMs };
  return { ok: false, kind: "retry", message: `The cluster view is unavailable (HTTP ${res.status}${said}). Retrying…`, retryAfterMs };
}

function retryAfterHeader(value: string | null): number | undefined {
  const seconds = Number(value);
  return value !== null && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
