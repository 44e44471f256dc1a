/**
 * Sending one document to `POST /v1/documents` with XMLHttpRequest, whose upload events report how many bytes have
 * left the browser (fetch reports none), so that a large file shows its progress. A problem answer becomes the same
 * `ApiProblem` the other calls throw.
 */
import { ApiProblem } from '../lib/api.js';

/** What the API answers for a registration (202: queued for anchoring). */
export interface Registration {
  documentHash: string;
  cid: string;
  operation: { id: string; state: 'queued' | 'sent' | 'anchored' | 'failed'; href: string };
}

function problemOf(request: XMLHttpRequest): ApiProblem {
  try {
    const problem = JSON.parse(request.responseText) as { code?: string; detail?: string; title?: string };
    return new ApiProblem(
      request.status,
      problem.code ?? `HTTP_${request.status}`,
      problem.detail ?? problem.title ?? request.statusText,
      problem,
    );
  } catch {
    return new ApiProblem(request.status, `HTTP_${request.status}`, request.statusText || 'The upload failed');
  }
}

/**
 * Uploads `file` with `metadata` (the metadata field first, as the API reads it before the bytes); `onProgress` gets
 * the bytes sent so far and the total.
 */
export function uploadDocument(
  file: File,
  metadata: Record<string, unknown>,
  onProgress: (sent: number, total: number) => void,
): Promise<Registration> {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/v1/documents');
    request.setRequestHeader('Accept', 'application/json');
    request.withCredentials = true;
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) resolve(JSON.parse(request.responseText) as Registration);
      else reject(problemOf(request));
    });
    request.addEventListener('error', () => reject(new Error('The connection to the API failed during the upload')));
    request.addEventListener('abort', () => reject(new Error('The upload was cancelled')));
    request.send(form);
  });
}
