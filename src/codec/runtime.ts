/**
 * The protobuf-ts runtime as the generated code in `gen/` sees it: everything
 * `@protobuf-ts/runtime` exports, with `MessageType` replaced by the binary codec's
 * (see `./message-type`). The build (`scripts/build.ts`, the size check, the demo page) and the
 * test runner resolve `gen/`'s `import … from "@protobuf-ts/runtime"` here, through the rule in
 * `./resolve-hook.mjs`; nothing else is redirected.
 */
export * from '@protobuf-ts/runtime';
export { MessageType } from './message-type';
