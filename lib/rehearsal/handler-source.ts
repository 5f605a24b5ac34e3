/**
 * Where the rehearsal takes a step's handler from. `bundles`: the prebuilt bundle the construct
 * deploys (`handlerAssetDir(step)/index.js`), byte for byte. `source`: the handler's module under
 * `lambda/` (TypeScript under ts-node or jest, tsc's output in `dist`), for working on a handler
 * without rebuilding its bundle.
 */
export type HandlerSource = 'bundles' | 'source';

/** Every handler source, for option checks and messages. */
export const HANDLER_SOURCES: readonly HandlerSource[] = ['bundles', 'source'];
