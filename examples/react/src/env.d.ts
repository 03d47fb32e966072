/// <reference types="vite/client" />

/** The build-time settings the app reads (see `client.ts`). */
interface ImportMetaEnv {
  /** The API key of the coordinator (default `local-key`). */
  readonly VITE_STREAM_API_KEY?: string;
  /** The coordinator's base URL (default: the page's origin). */
  readonly VITE_STREAM_BASE_URL?: string;
}
