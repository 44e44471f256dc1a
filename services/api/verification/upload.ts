/**
 * A document uploaded for verification is hashed as it streams in and never kept: the SHA-256 runs over each chunk
 * busboy hands over, and the chunk is dropped. A body over the size limit is refused (413) as soon as it crosses it.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import busboy from 'busboy';
import { AppError } from '../errors.js';

export interface HashedUpload {
  documentHash: string;
  size: number;
  /** The text fields sent with the file. */
  fields: Record<string, string>;
}

/** Text fields a verification upload may carry, and how long each may be. */
const MAX_FIELD_BYTES = 64 * 67;

/** Hashes the one file of a multipart `req`, refusing a file larger than `maxBytes`. */
export function hashUpload(req: Request, maxBytes: number): Promise<HashedUpload> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(
      new AppError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Upload the document as multipart/form-data (got ${req.get('Content-Type') ?? 'no Content-Type'})`,
      ),
    );
  }
  return new Promise<HashedUpload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: maxBytes, fields: 4, fieldSize: MAX_FIELD_BYTES, parts: 5 },
      });
    } catch (error) {
      reject(new AppError(400, 'INVALID_MULTIPART', 'The multipart body has no usable boundary', { cause: error }));
      return;
    }
    const fields: Record<string, string> = {};
    let hashed: { documentHash: string; size: number } | null = null;
    let failed = false;
    const fail = (error: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      // Stop reading what is left of the body: the answer goes out now and the connection closes after it.
      req.resume();
      reject(error);
    };

    parser.on('file', (_name, stream) => {
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        hash.update(chunk);
      });
      stream.on('limit', () => {
        fail(
          new AppError(413, 'PAYLOAD_TOO_LARGE', `The document is larger than ${maxBytes} bytes`, {
            details: { limitBytes: maxBytes },
          }),
        );
      });
      stream.on('end', () => {
        if (!failed) hashed = { documentHash: `0x${hash.digest('hex')}`, size };
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(new AppError(400, 'INVALID_REQUEST', `Field ${name} is longer than ${MAX_FIELD_BYTES} bytes`));
        return;
      }
      fields[name] = value;
    });
    const tooMany = (what: string) => () =>
      fail(new AppError(400, 'INVALID_REQUEST', `Send one file and at most the fields proof and merkleRoot (${what})`));
    parser.on('filesLimit', tooMany('more than one file'));
    parser.on('fieldsLimit', tooMany('too many fields'));
    parser.on('partsLimit', tooMany('too many parts'));
    parser.on('error', (error: unknown) => {
      fail(new AppError(400, 'INVALID_MULTIPART', 'The multipart body is malformed', { cause: error }));
    });
    parser.on('close', () => {
      if (failed) return;
      if (hashed === null) {
        fail(new AppError(400, 'DOCUMENT_MISSING', 'The multipart body holds no file to verify'));
        return;
      }
      resolve({ ...hashed, fields });
    });
    req.on('aborted', () => fail(new AppError(400, 'REQUEST_ABORTED', 'The client aborted the upload')));
    req.pipe(parser);
  });
}
