/**
 * The protobuf-ts runtime as the generated code in `gen/` sees it: the values protobuf-ts's
 * generator imports from `@protobuf-ts/runtime`, with `MessageType` replaced by the binary
 * codec's (see `./message-type`). The build (`scripts/build.ts`, the size check, the demo page)
 * and the test runner resolve `gen/`'s `import … from "@protobuf-ts/runtime"` here, through
 * the rule in `./resolve-hook.mjs`; nothing else is redirected.
 *
 * Named re-exports, not `export *`: a star re-export of an external package becomes a
 * namespace import in dist/, which no bundler of a user can tree-shake. A value the generator
 * starts to import that is missing here fails loudly: esbuild refuses to build and Node to link.
 */
export { isJsonObject, jsonWriteOptions, lowerCamelCase, PbLong, reflectionMergePartial, typeofJsonValue, UnknownFieldHandler, WireType } from '@protobuf-ts/runtime';
export { MessageType } from './message-type';
