/**
 * A document registration's `multipart/form-data` body, streamed: the `metadata` JSON field first (the API reads it
 * before the file, as it must), then the file read from disk chunk by chunk. Each chunk passes `onChunk` on its way
 * out, which is how the progress bar counts bytes and the CLI hashes what it sent.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The media type a file's name suggests (the API keeps it to serve the content back). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A header parameter value in quotes, without the characters that would end it. */
function quoted(value: string): string {
  return `"${value.replace(/["\\\r\n]/g, '_')}"`;
}

export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
}

/** The registration body of `file` with `metadata`. */
export function registrationBody(
  metadata: object,
  file: string,
  contentType: string,
  onChunk: (chunk: Uint8Array) => void,
): MultipartBody {
  const boundary = `----policyledger-${randomBytes(12).toString('hex')}`;
  const encoder = new TextEncoder();
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n` +
        `${JSON.stringify(metadata)}\r\n`,
    );
    yield encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoted(path.basename(file))}\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
    );
    for await (const chunk of createReadStream(file)) {
      const bytes = new Uint8Array(chunk as Buffer);
      onChunk(bytes);
      yield bytes;
    }
    yield encoder.encode(`\r\n--${boundary}--\r\n`);
  }
  const iterator = parts();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done === true) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
