/** How a POST ended: an answer, no answer in time, or no connection. */
export type HttpOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly kind: 'timeout'; readonly ms: number }
  | { readonly kind: 'unreachable'; readonly cause: string };

/**
 * POSTs and reads the whole answer, within `timeoutMs` when given. Aborting `signal` (Ctrl-C)
 * rejects; a timeout or a failed connection is an outcome, not an error.
 */
export async function httpPost(
  url: string,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer | string },
  options: { readonly signal: AbortSignal; readonly timeoutMs?: number },
): Promise<HttpOutcome> {
  const timeout = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([options.signal, timeout]) : options.signal;
  try {
    const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body, signal });
    const text = await response.text();
    return { kind: 'answered', status: response.status, headers: response.headers, text };
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (timeout?.aborted) return { kind: 'timeout', ms: options.timeoutMs! };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unreachable', cause: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}
