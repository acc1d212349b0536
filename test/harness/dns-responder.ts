/**
 * A tiny authoritative DNS server on loopback (UDP) that answers A records for a few names: the
 * local stand-in for Docker's embedded DNS, so HAProxy's `server-template` discovers local replica
 * processes exactly as it discovers `docker compose --scale` containers.
 */
import { createSocket } from "node:dgram";
import { isIPv4 } from "node:net";

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;

export interface DnsResponderOptions {
  /** TTL of every answer, seconds. @default 1 */
  ttlSec: number;
}

export interface DnsResponder {
  /** "127.0.0.1:port", for a resolver's nameserver line. */
  address: string;
  port: number;
  /** Replaces the A records of `name` (an empty list answers with no records, like a scaled-to-0 service). */
  setRecords(name: string, ipv4: string[]): void;
  close(): Promise<void>;
}

interface Question {
  name: string;
  type: number;
  cls: number;
  /** Offset just past the question, to copy it into the answer verbatim. */
  end: number;
}

function readQuestion(query: Buffer): Question | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = query[offset];
    if (length === undefined || length > 63) return undefined; // queries carry no compression pointers
    offset += 1;
    if (length === 0) break;
    labels.push(query.toString("latin1", offset, offset + length));
    offset += length;
  }
  if (offset + 4 > query.length) return undefined;
  return { name: labels.join(".").toLowerCase(), type: query.readUInt16BE(offset), cls: query.readUInt16BE(offset + 2), end: offset + 4 };
}

function answer(query: Buffer, records: ReadonlyMap<string, string[]>, ttlSec: number): Buffer {
  const question = readQuestion(query);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = (query.readUInt16BE(2) & 0x0100) !== 0;
  // QR=1 (response), AA=1 (authoritative), RD copied, RA=1
  let flags = 0x8000 | 0x0400 | (recursionDesired ? 0x0100 : 0) | 0x0080;
  if (!question) {
    header.writeUInt16BE(flags | RCODE_FORMERR, 2);
    return header;
  }

  const ips = records.get(question.name);
  const answers = ips && question.type === TYPE_A && question.cls === CLASS_IN ? ips : [];
  if (!ips) flags |= RCODE_NXDOMAIN; // other types of a known name: no records, no error
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(answers.length, 6); // ANCOUNT; no authority or additional (EDNS) records

  const parts = [header, query.subarray(12, question.end)];
  for (const ip of answers) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttlSec, 6);
    rr.writeUInt16BE(4, 10);
    ip.split(".").forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    parts.push(rr);
  }
  return Buffer.concat(parts);
}

/** Starts the responder on 127.0.0.1 with the given name -> IPv4 addresses. */
export async function startDnsResponder(
  initial: Record<string, string[]>,
  options: Partial<DnsResponderOptions> = {},
): Promise<DnsResponder> {
  const { ttlSec = 1 } = options;
  const records = new Map<string, string[]>();
  const setRecords = (name: string, ipv4: string[]) => {
    const bad = ipv4.find((ip) => !isIPv4(ip));
    if (bad) throw new Error(`not an IPv4 address: ${bad}`);
    records.set(name.toLowerCase().replace(/\.$/, ""), [...ipv4]);
  };
  for (const [name, ips] of Object.entries(initial)) setRecords(name, ips);

  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    socket.send(answer(query, records, ttlSec), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    setRecords,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
