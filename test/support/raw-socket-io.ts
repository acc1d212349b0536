/**
 * A Socket.IO client at the packet level over a real `ws` WebSocket, for attacks socket.io-client
 * will not make: packets without acks at any rate, a reader that stops reading (its TCP socket
 * paused) while still answering pings, any event name or payload.
 */
import WebSocket from "ws";
import type { Socket as NetSocket } from "node:net";

export interface RawClientOptions {
  /** Handshake `auth` (e.g. `{ token }`). @default {} */
  auth?: object;
  /** Extra request headers (Origin, X-Forwarded-For). @default none */
  headers?: Record<string, string>;
  /** Source address on loopback. @default the system's choice */
  localAddress?: string;
}

export class RawSocketIo {
  /** Resolves with the close code when the WebSocket closes (by either side). */
  readonly closed: Promise<number>;
  /** Socket.IO packets received (decoded text frames), in order; cleared by the test if it wants. */
  readonly packets: string[] = [];
  private ackSeq = 0;
  private readonly acks = new Map<number, (res: unknown) => void>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", (code) => resolve(code)));
    ws.on("message", (data) => {
      const text = String(data);
      // Answer pings blindly, as the attacker in the issue does: it stays "alive" while not reading.
      if (text === "2") return void ws.send("3");
      if (text.startsWith("43")) {
        const m = /^43(\d+)(.*)$/s.exec(text);
        if (m) {
          const fn = this.acks.get(Number(m[1]));
          this.acks.delete(Number(m[1]));
          fn?.((JSON.parse(m[2]!) as unknown[])[0]);
        }
        return;
      }
      this.packets.push(text);
    });
  }

  /** Opens engine.io over WebSocket and connects the main namespace; rejects on connect_error. */
  static connect(baseUrl: string, options: RawClientOptions = {}): Promise<RawSocketIo> {
    const url = `${baseUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { headers: options.headers, localAddress: options.localAddress });
    const client = new RawSocketIo(ws);
    return new Promise((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const text = String(data);
        if (text.startsWith("0{")) ws.send(`40${JSON.stringify(options.auth ?? {})}`);
        else if (text.startsWith("40")) done(() => resolve(client));
        else if (text.startsWith("44")) done(() => reject(Object.assign(new Error((JSON.parse(text.slice(2)) as { message: string }).message), { data: JSON.parse(text.slice(2)) as unknown })));
      };
      const done = (fn: () => void) => {
        ws.off("message", onMessage);
        fn();
      };
      ws.on("message", onMessage);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += String(c)));
        res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
      });
      ws.once("close", () => reject(new Error("closed during the handshake")));
    });
  }

  /** Sends an event packet without an ack. */
  emit(event: string, ...args: unknown[]): void {
    this.ws.send(`42${JSON.stringify([event, ...args])}`);
  }

  /** Sends an event packet asking for an ack, and never reads the ack (an attacker's request). */
  request(event: string, payload: unknown): void {
    this.ws.send(`42${++this.ackSeq}${JSON.stringify([event, payload])}`);
  }

  /** Sends an event packet with an ack id; resolves with the ack's argument. */
  call<T = unknown>(event: string, payload: unknown, ms = 5_000): Promise<T> {
    const id = ++this.ackSeq;
    this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), ms);
      this.acks.set(id, (res) => {
        clearTimeout(timer);
        resolve(res as T);
      });
    });
  }

  /**
   * Stops reading from the TCP socket, so the server's writes pile up in its buffers, and answers
   * pings blindly (a pong every `pongEveryMs`) so that the ping timeout never closes it.
   */
  pauseReading(pongEveryMs = 5_000): void {
    (this.ws as unknown as { _socket: NetSocket })._socket.pause();
    const timer = setInterval(() => this.isOpen && this.ws.send("3"), pongEveryMs);
    timer.unref();
    void this.closed.then(() => clearInterval(timer));
  }

  /** Reads again (after {@link pauseReading}): what piled up arrives, then whatever closed it. */
  resumeReading(): void {
    (this.ws as unknown as { _socket: NetSocket })._socket.resume();
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}
