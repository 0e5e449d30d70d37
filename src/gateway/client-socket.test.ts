// Adopted client sockets read into their own buffer and hand on views: every byte arrives once and in order,
// a view written out survives while the write holds it, pausing works, the listener closes without them.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptClientSocket, readsOf, receiveFrom } from './client-socket.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A listener whose connections are adopted and handed to `onSocket`; resolves with its port. */
async function listen(onSocket: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ pauseOnConnect: true }, (accepted) =>
    onSocket(adoptClientSocket(accepted)),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

/** Every byte `socket` receives until it ends. */
const received = (socket: net.Socket): Promise<Buffer> =>
  new Promise((resolve) => {
    const parts: Buffer[] = [];
    socket.on('data', (c: Buffer) => parts.push(c));
    socket.on('end', () => resolve(Buffer.concat(parts)));
  });

describe('adoptClientSocket', () => {
  it.each([
    ['small writes', 2000, 7],
    ['writes larger than the shared buffer', 6, 200_000],
  ])('%s: echoed back whole and in order', async (_name, writes, size) => {
    const { port } = await listen((s) => {
      receiveFrom(s, (view) => {
        s.write(view);
        if (s.writableLength > 0) readsOf(s)?.keep(); // the pending write holds the view
      });
      s.on('end', () => s.end());
    });
    const client = await connect(port);
    const sent = Buffer.alloc(writes * size);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + (i >> 8)) & 0xff;
    const echoed = received(client);
    for (let i = 0; i < writes; i++) client.write(sent.subarray(i * size, (i + 1) * size));
    client.end();
    expect((await echoed).equals(sent)).toBe(true);
  });

  it.each([
    ['kept with keep(): intact', true],
    ['kept without keep(): overwritten by the next read', false],
  ])('views of the read buffer, %s', async (_name, keep) => {
    let socket: net.Socket | undefined;
    const kept: Buffer[] = [];
    const { port } = await listen((s) => {
      socket = s;
      receiveFrom(s, (view) => {
        kept.push(view);
        if (keep) readsOf(s)?.keep();
      });
    });
    const client = await connect(port);
    for (const letter of 'abc') {
      client.write(letter.repeat(100));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(kept.length).toBe(3);
    const got = Buffer.concat(kept).toString();
    if (keep) expect(got).toBe(['a', 'b', 'c'].map((l) => l.repeat(100)).join(''));
    else expect(got).toBe('c'.repeat(300));
    socket?.destroy();
    client.destroy();
  });

  it('pause holds reads back until resume', async () => {
    const got: string[] = [];
    let socket: net.Socket | undefined;
    const { port } = await listen((s) => {
      socket = s;
      receiveFrom(s, (chunk) => got.push(chunk.toString()));
    });
    const client = await connect(port);
    await new Promise((r) => setTimeout(r, 20));
    socket?.pause();
    client.write('held');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
    socket?.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['held']);
    client.destroy();
  });

  it('receiveFrom(null) drops what follows', async () => {
    const got: string[] = [];
    const { port } = await listen((s) => {
      receiveFrom(s, (chunk) => {
        got.push(chunk.toString());
        receiveFrom(s, null);
      });
    });
    const client = await connect(port);
    client.write('first');
    await new Promise((r) => setTimeout(r, 30));
    client.write('second');
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual(['first']);
    client.destroy();
  });

  it('the listener closes while adopted connections are still open', async () => {
    let socket: net.Socket | undefined;
    const { server, port } = await listen((s) => {
      socket = s;
    });
    const client = await connect(port);
    await new Promise((r) => setTimeout(r, 20));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(socket?.destroyed).toBe(false);
    socket?.destroy();
    client.destroy();
  });

  it('a socket that was not adopted delivers through data events', async () => {
    const { port } = await listen((s) => s.end('hello'));
    const client = await connect(port);
    const got = await new Promise<string>((resolve) => receiveFrom(client, (c) => resolve(c.toString())));
    expect(got).toBe('hello');
    client.destroy();
  });
});
