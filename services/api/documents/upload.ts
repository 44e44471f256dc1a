/**
 * Reads a document upload: `multipart/form-data` with a `metadata` JSON field first, then one `file` field whose bytes
 * are streamed once through the sealer (SHA-256, and AES-256-GCM for confidential documents) without ever being held
 * whole before that. The metadata comes first so that it is validated, and the sealing mode known, before any byte of
 * the file is read; an invalid upload is refused before anything is written anywhere.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { AppError } from '../errors.js';
import { parse } from '../validation.js';
import { documentMetadataSchema, type DocumentMetadata } from './schemas.js';

/** What sealing the streamed bytes gives (the shape of storage's `hashAndSeal`). */
export interface SealedUpload {
  documentHash: string;
  size: number;
  /** The ciphertext (confidential) or the plain bytes (public): what goes to IPFS. */
  stored: Uint8Array;
  contentKey?: Uint8Array;
}

export type Sealer = (
  chunks: AsyncIterable<Uint8Array>,
  options: { confidential: boolean; maxBytes: number },
) => Promise<SealedUpload>;

export interface Upload {
  metadata: DocumentMetadata;
  sealed: SealedUpload;
  contentType: string;
  fileName: string | null;
}

/** The largest metadata field accepted (it is a small JSON object). */
const MAX_METADATA_BYTES = 64 * 1024;

/** Reads the upload in `req`, sealing the file with `seal` under `maxBytes`. */
export async function readUpload(req: IncomingMessage, seal: Sealer, maxBytes: number): Promise<Upload> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'A document is uploaded as multipart/form-data', {
      details: { expected: 'multipart/form-data', received: mediaType || null },
    });
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { fields: 1, files: 1, parts: 3, fieldSize: MAX_METADATA_BYTES, fileSize: maxBytes },
    });
  } catch (error) {
    throw new AppError(400, 'INVALID_MULTIPART', 'The multipart body has no usable boundary', { cause: error });
  }

  return new Promise<Upload>((resolve, reject) => {
    let metadata: DocumentMetadata | undefined;
    let sealing: Promise<Upload> | undefined;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
    };

    parser.on('field', (name, value, info) => {
      if (name !== 'metadata') return fail(badPart(`Unexpected field "${name}": only "metadata" and "file"`));
      if (info.valueTruncated) return fail(badPart(`The metadata field is larger than ${MAX_METADATA_BYTES} bytes`));
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch (error) {
        return fail(new AppError(400, 'MALFORMED_JSON', 'The metadata field is not valid JSON', { cause: error }));
      }
      try {
        metadata = parse(documentMetadataSchema, json, 'body');
      } catch (error) {
        fail(error as Error);
      }
    });

    parser.on('file', (name, stream, info) => {
      if (failure !== undefined || sealing !== undefined) {
        stream.resume();
        return;
      }
      if (name !== 'file') {
        stream.resume();
        return fail(badPart(`Unexpected file field "${name}": the document goes in "file"`));
      }
      if (metadata === undefined) {
        stream.resume();
        return fail(badPart('The "metadata" field must come before the "file" field'));
      }
      const known = metadata;
      let truncated = false;
      stream.on('limit', () => {
        truncated = true;
      });
      sealing = seal(stream, { confidential: known.confidential, maxBytes }).then(
        (sealed) => {
          if (truncated) throw tooLarge(maxBytes);
          if (sealed.size === 0) throw badPart('The file is empty');
          return {
            metadata: known,
            sealed,
            contentType: info.mimeType || 'application/octet-stream',
            fileName: info.filename ?? null,
          };
        },
        (error: unknown) => {
          throw truncated || isSizeError(error) ? tooLarge(maxBytes) : error;
        },
      );
      // Rejections are reported once, at 'close'.
      sealing.catch(() => undefined);
    });

    parser.on('partsLimit', () => fail(badPart('Only a "metadata" field and one "file" are accepted')));
    parser.on('filesLimit', () => fail(badPart('Only one "file" is accepted')));
    parser.on('fieldsLimit', () => fail(badPart('Only one "metadata" field is accepted')));
    parser.on('error', (error: Error) =>
      fail(new AppError(400, 'INVALID_MULTIPART', 'The multipart body is malformed', { cause: error })),
    );
    parser.on('close', () => {
      if (failure !== undefined) return reject(failure);
      if (metadata === undefined) return reject(badPart('The "metadata" field is missing'));
      if (sealing === undefined) return reject(badPart('The "file" field is missing'));
      sealing.then(resolve, reject);
    });
    req.on('aborted', () => fail(new AppError(400, 'REQUEST_ABORTED', 'The client aborted the upload')));
    req.pipe(parser);
  });
}

function badPart(message: string): AppError {
  return new AppError(400, 'INVALID_MULTIPART', message);
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `The document is larger than ${maxBytes} bytes`, {
    details: { limitBytes: maxBytes },
  });
}

function isSizeError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /TOO_LARGE|SIZE/.test(code);
}
