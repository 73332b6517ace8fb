/**
 * A minimal RESP2 codec, so tests can talk to redis-server without a client library (the
 * helpers must not depend on the clients they help test). The tricky point is that replies
 * arrive in arbitrary chunks: the parser keeps the unread tail and yields whole replies only.
 */

/** An error reply (`-ERR ...`), kept as a value when nested in an array (e.g. from EXEC). */
export class RedisReplyError extends Error {
  override readonly name: string = "RedisReplyError";
}

/** A decoded reply: bulk and simple strings as UTF-8 text, `null` for nil. */
export type RespReply = string | number | null | RedisReplyError | RespReply[];

/** An argument of a command; numbers are sent as their decimal text. */
export type RespArgument = string | number | Buffer;

/** Encode a command as a RESP array of bulk strings. */
export function encodeRespCommand(args: readonly RespArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

interface Parsed {
  readonly value: RespReply;
  readonly next: number;
}

/** Incremental RESP2 parser: feed it socket chunks, get back the replies they complete. */
export class RespParser {
  #buffer: Buffer = Buffer.alloc(0);

  /** Append a chunk; returns every reply now complete, in order. */
  push(chunk: Buffer): RespReply[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const replies: RespReply[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseAt(this.#buffer, offset);
      if (parsed === undefined) break;
      replies.push(parsed.value);
      offset = parsed.next;
    }
    this.#buffer = this.#buffer.subarray(offset);
    return replies;
  }
}

function parseAt(buffer: Buffer, offset: number): Parsed | undefined {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, next: afterLine };
    case "-":
      return { value: new RedisReplyError(line), next: afterLine };
    case ":":
      return { value: Number(line), next: afterLine };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buffer.length < afterLine + length + 2) return undefined;
      return {
        value: buffer.toString("utf8", afterLine, afterLine + length),
        next: afterLine + length + 2,
      };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespReply[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i += 1) {
        const item = parseAt(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`Unexpected RESP type byte ${JSON.stringify(type)}: not a RESP2 reply`);
  }
}
