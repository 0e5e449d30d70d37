// Client sockets that read into their own buffer (Node's `onread`), as the backend sockets do.
import net from 'node:net';
import { ReadBuffer } from './read-buffer.ts';

type Receiver = (chunk: Buffer) => void;

/** Where an adopted socket's reads go (null: dropped, nobody listens yet, or TLS took over) and its buffer. */
interface Route {
  receive: Receiver | null;
  reads: ReadBuffer;
}

const routes = new WeakMap<net.Socket, Route>();

/** The private handle every accepted net.Socket has (not typed by @types/node). */
interface WithHandle {
  _handle?: object | null;
}

/**
 * A socket on the same connection as `accepted` (accepted paused: `pauseOnConnect`) whose reads land in its
 * own buffer and reach the receiver as views (see ReadBuffer), without the Readable stream's per-read
 * allocation and bookkeeping. net.Server has no `onread` option, so the accepted socket's handle moves to a new
 * net.Socket built with one (the constructor Node's own server uses), and the empty shell is destroyed
 * (which also keeps the server's connection count right). Falls back to `accepted` itself when there is no
 * handle to move.
 */
export function adoptClientSocket(accepted: net.Socket): net.Socket {
  const shell = accepted as net.Socket & WithHandle;
  const handle = shell._handle;
  if (!handle) {
    accepted.resume();
    return accepted;
  }
  shell._handle = null;
  const route: Route = { receive: null, reads: new ReadBuffer() };
  const socket: net.Socket = new net.Socket({
    handle,
    onread: route.reads.onread((view) => route.receive?.(view)),
  } as net.SocketConstructorOpts);
  routes.set(socket, route);
  accepted.destroy();
  return socket;
}

/**
 * Sends the bytes `socket` reads to `receive` (null: stop delivering, as before a TLS handshake takes the
 * connection over). An adopted socket hands on views of its read buffer, valid until `receive` returns
 * (see readsOf); any other socket hands on its 'data' chunks.
 */
export function receiveFrom(socket: net.Socket, receive: Receiver | null): void {
  const route = routes.get(socket);
  if (route) {
    route.receive = receive;
    return;
  }
  socket.removeAllListeners('data');
  if (receive) socket.on('data', receive);
}

/** The read buffer of an adopted socket (see writeRead); undefined for any other socket. */
export function readsOf(socket: net.Socket): ReadBuffer | undefined {
  return routes.get(socket)?.reads;
}
