/** Teams ids are long (`a:1xYz…`, `19:…@thread.tacv2`): the start and end tell them apart at a glance. */
export function shortId(id, keep = 10) {
  if (typeof id !== 'string') return '';
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-keep)}`;
}

/** Local wall-clock time of an ISO timestamp, with seconds: deliveries happen within seconds of each other. */
export function timeOf(iso) {
  if (typeof iso !== 'string') return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The error of a gateway or emulator answer (`{"error":{"code","message"}}`), as one line. */
export function errorText(answer) {
  const error = answer?.body?.error ?? answer?.error;
  if (error !== undefined && error !== null) return `${error.code ?? 'Error'}: ${error.message ?? ''}`.trim();
  return `HTTP ${answer?.status ?? '?'}`;
}
