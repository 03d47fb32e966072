/**
 * The part of janode's API (npm `janode`, ISC, JavaScript without declarations) that the
 * local coordinator's Janus driver uses, typed from janode's JSDoc. Internal: no public
 * declaration of this package refers to these types.
 */
declare module 'janode' {
  /** A JSEP description as Janus sends and takes it. */
  export interface Jsep {
    type: 'offer' | 'answer';
    sdp: string;
  }

  export interface JanodeEmitter {
    on(event: string, listener: (data: Record<string, unknown>) => void): this;
    once(event: string, listener: (data: Record<string, unknown>) => void): this;
    off(event: string, listener: (data: Record<string, unknown>) => void): this;
    removeAllListeners(event?: string): this;
  }

  export interface Handle extends JanodeEmitter {
    readonly id: number;
    message(body: Record<string, unknown>, jsep?: Jsep): Promise<{ plugindata?: { data?: Record<string, unknown> } }>;
    trickle(candidate: { candidate: string; sdpMid?: string; sdpMLineIndex?: number }): Promise<void>;
    trickleComplete(): Promise<void>;
    hangup(): Promise<void>;
    detach(): Promise<void>;
  }

  export interface Session extends JanodeEmitter {
    readonly id: number;
    attach<H extends Handle>(plugin: { id: string; Handle: new (...args: never[]) => H }): Promise<H>;
    destroy(): Promise<void>;
  }

  export interface Connection extends JanodeEmitter {
    create(keepAliveSeconds?: number): Promise<Session>;
    close(): Promise<void>;
  }

  const Janode: {
    connect(config: { address: { url: string }; retry_time_secs?: number; max_retries?: number }): Promise<Connection>;
    readonly EVENT: {
      readonly CONNECTION_CLOSED: string;
      readonly CONNECTION_ERROR: string;
      readonly SESSION_DESTROYED: string;
      readonly HANDLE_DETACHED: string;
      readonly HANDLE_ICE_FAILED: string;
      readonly HANDLE_HANGUP: string;
      readonly HANDLE_MEDIA: string;
      readonly HANDLE_WEBRTCUP: string;
    };
    readonly Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): string };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { Handle, Jsep } from 'janode';

  /** One stream of a subscription, as Janus describes it in `attached` and `updated`. */
  export interface SubscriptionStream {
    mid: string;
    type: 'audio' | 'video' | 'data';
    feed_id?: number;
    feed_mid?: string;
    active?: boolean;
    send?: boolean;
    ready?: boolean;
  }

  export interface VideoRoomHandle extends Handle {
    create(params: Record<string, unknown>): Promise<{ room: number }>;
    destroy(params: { room: number }): Promise<unknown>;
    joinPublisher(params: { room: number; display?: string }): Promise<{ feed: number; private_id?: number }>;
    publish(params: { jsep: Jsep; descriptions?: { mid: string; description: string }[] }): Promise<{ jsep?: Jsep }>;
    configure(params: {
      jsep?: Jsep;
      streams?: Record<string, unknown>[];
      descriptions?: { mid: string; description: string }[];
      restart?: boolean;
    }): Promise<{ jsep?: Jsep }>;
    joinSubscriber(params: {
      room: number;
      streams: { feed: number; mid?: string; send?: boolean; substream?: number }[];
      autoupdate?: boolean;
    }): Promise<{ jsep?: Jsep; streams?: SubscriptionStream[] }>;
    update(params: {
      subscribe?: { feed: number; mid?: string; send?: boolean; substream?: number }[];
      unsubscribe?: { feed?: number; mid?: string; sub_mid?: string }[];
    }): Promise<{
      jsep?: Jsep;
      streams?: SubscriptionStream[];
    }>;
    start(params: { jsep?: Jsep }): Promise<unknown>;
    leave(): Promise<unknown>;
  }

  const VideoRoomPlugin: {
    readonly id: string;
    readonly Handle: new (...args: never[]) => VideoRoomHandle;
    readonly EVENT: Readonly<Record<string, string>>;
  };
  export default VideoRoomPlugin;
}
