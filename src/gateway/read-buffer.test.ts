// writeRead: views of one read buffer written to a socket that does not keep up arrive intact, because a
// write that holds a view moves the reads on to a new buffer.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ReadBuffer, writeRead } from './read-buffer.ts';

describe('writeRead', () => {
  it.each([
    ['with the read buffer: every view arrives intact', true],
    ['without it (the view was not a copy): later reads overwrite views still waiting', false],
  ])('%s', async (_name, passReads) => {
    // A peer that reads nothing until every write is queued: 16 MB, more than the kernel buffers take,
    // so the later writes cannot complete at once.
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const to = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => to.once('connect', resolve));
    const peer = await accepted;
    server.close();

    const reads = new ReadBuffer();
    const option = reads.onread((view) => writeRead(to, view, passReads ? reads : undefined));
    const sent: Buffer[] = [];
    for (let k = 0; k < 2000; k++) {
      // What Node does on a read: fill the buffer it was given, call back, ask for the next buffer.
      const buf = option.buffer() as Buffer;
      const n = 8000;
      buf.fill(k % 251, 0, n);
      sent.push(Buffer.alloc(n, k % 251));
      option.callback(n, buf);
    }
    to.end();
    const got = await new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      peer.on('data', (c: Buffer) => parts.push(c));
      peer.on('end', () => resolve(Buffer.concat(parts)));
      peer.resume();
    });
    expect(got.equals(Buffer.concat(sent))).toBe(passReads);
    peer.destroy();
  });
});
