/** The file that replaces `@protobuf-ts/runtime` for the code in gen/. */
export declare const CODEC_RUNTIME: string;
/** Where `specifier` imported by `importer` resolves instead, or undefined. */
export declare function codecRedirect(specifier: string, importer: string | undefined): string | undefined;
