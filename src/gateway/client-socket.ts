// Client sockets that read into one shared buffer (Node's `onread`), as the backend sockets do.
import net from 'node:net';

/**
 * Read buffer of every plain-TCP client socket. The onread callback copies the bytes out before it returns,
 * so one buffer serves all clients; it saves the Readable stream's per-read allocation and bookkeeping,
 * which under pgbench -S is a sixth of the gateway's CPU per transaction.
 */
const CLIENT_READS = Buffer.allocUnsafe(64 * 1024);

type Receiver = (chunk: Buffer) => void;

/** Where an adopted socket's bytes go; null: dropped (nobody listens yet, or the socket moved to TLS). */
interface Route {
  receive: Receiver | null;
}

const routes = new WeakMap<net.Socket, Route>();

/** The private handle every accepted net.Socket has (not typed by @types/node). */
interface WithHandle {
  _handle?: object | null;
}

/**
 * A socket on the same connection as `accepted` (accepted paused: `pauseOnConnect`) whose reads land in the
 * shared buffer. net.Server has no `onread` option, so the accepted socket's handle moves to a new
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
  const route: Route = { receive: null };
  const socket: net.Socket = new net.Socket({
    handle,
    onread: {
      buffer: CLIENT_READS,
      callback: (n: number, buf: Uint8Array): boolean => {
        route.receive?.(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  routes.set(socket, route);
  accepted.destroy();
  return socket;
}

/**
 * Sends the bytes `socket` reads to `receive` (null: stop delivering, as before a TLS handshake takes the
 * connection over), through the shared buffer for an adopted socket and 'data' events for any other.
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
