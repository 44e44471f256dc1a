/**
 * The pages' scripts and styles, bundled from `web/src/` by esbuild once per process, in memory, on first use: every
 * entry of `WEB_PAGES`, minified, with the code they share split into chunks and file names carrying a content hash
 * (so the browser may keep them for good). A build error fails the request that asked for it, naming the file.
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { WEB_PAGES } from './pages.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
export const WEB_SOURCE = path.join(REPOSITORY, 'web', 'src');

export interface Asset {
  contents: Uint8Array;
  contentType: string;
}

export interface WebBundle {
  /** By file name (`verify-3F2A….js`), served under `/assets/`. */
  assets: Map<string, Asset>;
  /** Per entry: its script and the stylesheets it imports, as `/assets/…` URLs. */
  entries: Map<string, { script: string; styles: string[] }>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
};

async function buildBundle(): Promise<WebBundle> {
  const outdir = path.join(REPOSITORY, 'dist', 'web');
  const result = await build({
    absWorkingDir: REPOSITORY,
    entryPoints: Object.fromEntries(
      WEB_PAGES.map((page) => [page.entry, path.join(WEB_SOURCE, 'pages', `${page.entry}.ts`)]),
    ),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
    metafile: true,
    outdir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = path.relative(outdir, file.path);
    assets.set(name, {
      contents: file.contents,
      contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    });
  }
  return { assets, entries: entriesOf(result.metafile, outdir) };
}

function entriesOf(metafile: Metafile, outdir: string): WebBundle['entries'] {
  const entries: WebBundle['entries'] = new Map();
  for (const [output, meta] of Object.entries(metafile.outputs)) {
    if (meta.entryPoint === undefined || !output.endsWith('.js')) continue;
    const entry = path.basename(meta.entryPoint, '.ts');
    const url = (file: string) => `/assets/${path.relative(outdir, path.resolve(REPOSITORY, file))}`;
    entries.set(entry, { script: url(output), styles: meta.cssBundle === undefined ? [] : [url(meta.cssBundle)] });
  }
  return entries;
}

let bundle: Promise<WebBundle> | undefined;

/** The bundle, built on first call and shared by every API of this process; a failed build is tried again next call. */
export function webBundle(): Promise<WebBundle> {
  bundle ??= buildBundle().catch((error: unknown) => {
    bundle = undefined;
    throw error;
  });
  return bundle;
}
