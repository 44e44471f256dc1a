/**
 * The context the documents module works with: `ApiContext` with the full interfaces of the chain index, the content
 * store and the anchoring service. SERVER's `context.ts` declares minimal stand-ins for those until the lead swaps them
 * for the owners' types; the router narrows the context once, here, so that nothing else needs a cast.
 */
import type { ApiContext } from '../context.js';
import type { AnchoringService } from '../anchoring/index.js';
import type { ChainIndex } from '../../indexer/types.js';
import type { ContentStore } from '../../storage/index.js';

export type DocumentsContext = Omit<ApiContext, 'index' | 'content' | 'anchoring'> & {
  index: ChainIndex;
  content: ContentStore;
  anchoring: AnchoringService;
};

export function documentsContext(ctx: ApiContext): DocumentsContext {
  return ctx;
}
