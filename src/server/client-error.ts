/**
 * Requests Node's HTTP parser refuses before any handler runs (headers too large, malformed framing,
 * a request that timed out) still get the protocol's JSON error body, not Node's bare status line.
 */
import type { Socket } from 'node:net';
import type { ErrorBody } from '../protocol/wire.js';

interface ParserError extends Error {
  code?: string;
}

/** Status, code and message for a parser error (see Node's `clientError` event). */
export function describeClientError(error: ParserError): { status: number; reason: string; body: ErrorBody } {
  const answer = (status: number, reason: string, code: string, message: string, retryable = false) => ({
    status,
    reason,
    body: { error: { code, message, retryable } },
  });
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return answer(431, 'Request Header Fields Too Large', 'headers-too-large', 'The request headers are larger than the server accepts; send fewer or shorter headers.');
    case 'HPE_HEADERS_TIMEOUT':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return answer(408, 'Request Timeout', 'request-timeout', 'The request did not arrive in time; send it again.', true);
    default:
      return answer(400, 'Bad Request', 'malformed-request', `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}); check the client's framing (Content-Length, Transfer-Encoding, header syntax).`);
  }
}

/** A `clientError` listener: answer with the JSON error body when the socket can still take it. */
export function answerClientError(error: ParserError, socket: Socket): void {
  // The peer went away, or a response already started on this socket (a raw answer would corrupt it).
  const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent === true) {
    socket.destroy();
    return;
  }
  const { status, reason, body } = describeClientError(error);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
}
