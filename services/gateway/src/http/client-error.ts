import type { Socket } from 'node:net';
import { refusals } from '../domain/errors.ts';

const problem = (status: number, code: string, title: string) => {
  const body = JSON.stringify({ type: `https://kommunebro.dk/problems/${code}`, title, status, code });
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/**
 * Node's HTTP parser refuses an over-long URL or header block (maxHeaderSize) before express sees
 * the request, and by default answers a bare 431 or 400. This answers a problem body instead.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const answer = tooLarge
    ? problem(431, 'headers_too_large', refusals.headers_too_large.title)
    : problem(400, 'request_invalid', refusals.request_invalid.title);
  socket.end(answer);
}
