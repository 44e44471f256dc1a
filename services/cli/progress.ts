/**
 * The progress of `anchor`, drawn with cli-progress on stderr when it is a terminal: one bar over the files uploaded
 * (with the bytes sent), one over the documents anchored. Elsewhere (a pipe, a CI log, `--json`) nothing is drawn.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Output } from './output.js';

/** Bytes as a person reads them (1.2 MB). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export class AnchorProgress {
  private readonly bars: MultiBar | null;
  private readonly uploads: SingleBar | null;
  private anchors: SingleBar | null = null;
  private sentBytes = 0;

  constructor(
    out: Output,
    files: number,
    private readonly totalBytes: number,
  ) {
    this.bars = out.interactive
      ? new MultiBar(
          {
            stream: out.stderr,
            hideCursor: true,
            clearOnComplete: false,
            format: '{label} [{bar}] {value}/{total} {unit} {extra}',
          },
          Presets.shades_classic,
        )
      : null;
    this.uploads = this.bars?.create(files, 0, { label: 'uploaded', unit: 'files', extra: this.bytesText() }) ?? null;
  }

  private bytesText(): string {
    return `| ${formatBytes(this.sentBytes)} of ${formatBytes(this.totalBytes)}`;
  }

  bytesSent(count: number): void {
    this.sentBytes += count;
    this.uploads?.update({ extra: this.bytesText() });
  }

  fileDone(): void {
    this.uploads?.increment({ extra: this.bytesText() });
  }

  /** Starts (once) and moves the bar of documents that reached a final state on the chain. */
  settled(count: number, total: number): void {
    if (this.bars === null) return;
    this.anchors ??= this.bars.create(total, 0, { label: 'anchored', unit: 'documents', extra: '' });
    this.anchors.update(count);
  }

  stop(): void {
    this.bars?.stop();
  }
}
