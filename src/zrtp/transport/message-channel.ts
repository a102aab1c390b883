/**
 * ZRTP over a reliable, ordered message channel — a WebRTC data channel, as in
 * draft-johnston-rtcweb-zrtp: one ZRTP message (no §5 packet header, no CRC: SCTP already
 * checks integrity) per channel message, and no retransmission, since the channel delivers
 * or fails as a whole. The §6 timer requests of the session are therefore ignored; a dead
 * channel is the application's signal to call session.timeout() or close().
 *
 * Usage:
 *   const link = messageChannelLink(dataChannel);
 *   const session = new ZrtpSession({ ..., delegate: { ...link.sessionDelegate, onSecure } });
 *   const detach = link.attach(session);
 */

/** The subset of RTCDataChannel (or a test double) used here. */
export interface MessageChannelLike {
  send(data: Uint8Array): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface MessageChannelLink {
  /** Spread into the ZrtpSessionDelegate. */
  readonly sessionDelegate: { onSend(message: Uint8Array, retransmit: 'T1' | 'T2' | null): void };
  /** Starts delivering channel messages to `session.receive`; returns a detach function. */
  attach(session: { receive(message: Uint8Array): void }): () => void;
}

/** Bytes of a channel message: binary only (ArrayBuffer or a view); text frames are dropped. */
function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return null;
}

export function messageChannelLink(channel: MessageChannelLike): MessageChannelLink {
  if (typeof channel?.send !== 'function' || typeof channel.addEventListener !== 'function') {
    throw new TypeError('channel must provide send and addEventListener');
  }
  if ('binaryType' in channel) (channel as { binaryType: string }).binaryType = 'arraybuffer';
  return {
    sessionDelegate: {
      onSend(message: Uint8Array): void {
        channel.send(message);
      },
    },
    attach(session) {
      const listener = (event: { data: unknown }) => {
        const bytes = messageBytes(event.data);
        if (bytes) session.receive(bytes);
      };
      channel.addEventListener('message', listener);
      return () => channel.removeEventListener('message', listener);
    },
  };
}

/**
 * The contract's shorthand: wires an existing session to a channel. The session's delegate must
 * already route onSend to `channel.send` (e.g. via messageChannelLink(channel).sessionDelegate).
 */
export function attachMessageChannel(
  session: { receive(message: Uint8Array): void },
  channel: MessageChannelLike,
): () => void {
  return messageChannelLink(channel).attach(session);
}
