import {
  Inviter,
  Registerer,
  RegistererState,
  UserAgent,
  type Invitation,
  type SessionDescriptionHandlerFactory,
} from 'sip.js';

/**
 * sip.js UserAgent + Registerer over WSS, with the reconnection policy of a phone:
 * on transport loss, retry with capped exponential backoff (bounded attempts), and
 * re-REGISTER as soon as the WebSocket is back; the browser's "online" event retries
 * at once. The SIP password lives only in this object's memory for the session.
 */
export type ConnectionState = 'connecting' | 'registered' | 'reconnecting' | 'offline' | 'refused';

export interface PhoneAgentDelegate {
  onConnectionState?(state: ConnectionState, detail?: { status?: number }): void;
  onInvite?(invitation: Invitation): void;
}

export interface PhoneAgentOptions {
  wssUrl: string;
  domain: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  sessionDescriptionHandlerFactory: SessionDescriptionHandlerFactory;
  delegate: PhoneAgentDelegate;
  /** Registration lifetime in seconds (RFC 3261 §10.2.1), default 300. */
  expires?: number;
}

const MAX_RECONNECT_ATTEMPTS = 60;

/** An extension as the admin API allows it (src/admin-api/routes/schemas.ts EXTENSION). */
export const EXTENSION_PATTERN = /^[0-9]{2,8}$/;

export class PhoneAgent {
  readonly userAgent: UserAgent;
  private readonly registerer: Registerer;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private state: ConnectionState = 'connecting';
  private readonly onOnline = () => this.reconnectNow();

  constructor(private readonly opts: PhoneAgentOptions) {
    const uri = UserAgent.makeURI(`sip:${opts.authorizationUser}@${opts.domain}`);
    if (!uri) throw new RangeError('PhoneAgent: invalid extension or domain');
    this.userAgent = new UserAgent({
      uri,
      displayName: opts.displayName,
      authorizationUsername: opts.authorizationUser,
      authorizationPassword: opts.password,
      transportOptions: { server: opts.wssUrl, connectionTimeout: 5, keepAliveInterval: 15 },
      sessionDescriptionHandlerFactory: opts.sessionDescriptionHandlerFactory,
      userAgentString: 'susurro-softphone/0.1',
      logBuiltinEnabled: false,
      logLevel: 'error',
      // Our own policy below (sip.js's built-in one gives up silently).
      reconnectionAttempts: 0,
      delegate: {
        onConnect: () => {
          this.reconnectAttempts = 0;
          void this.register();
        },
        onDisconnect: (error) => {
          if (this.stopped) return;
          if (error) this.scheduleReconnect();
          else this.setState('offline');
        },
        onInvite: (invitation) => opts.delegate.onInvite?.(invitation),
      },
    });
    this.registerer = new Registerer(this.userAgent, { expires: opts.expires ?? 300 });
    this.registerer.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) this.setState('registered');
    });
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  async start(): Promise<void> {
    globalThis.addEventListener?.('online', this.onOnline);
    this.setState('connecting');
    try {
      await this.userAgent.start();
    } catch {
      this.scheduleReconnect();
    }
  }

  private async register(): Promise<void> {
    try {
      await this.registerer.register({
        requestDelegate: {
          // After a reconnection the Registerer may still think it is registered, so its
          // state does not change: the 2xx itself is what says we are reachable again.
          onAccept: () => this.setState('registered'),
          onReject: (response) => {
            const status = response.message.statusCode;
            // 401/407 are handled by sip.js digest auth; a final refusal means the
            // account is disabled or the password no longer valid.
            this.setState('refused', { status });
          },
        },
      });
    } catch {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    if (this.reconnectAttempts >= MAX_RECONNECT_ATTEMPTS) {
      this.setState('offline');
      return;
    }
    this.setState('reconnecting');
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.reconnectAttempts, 6));
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.userAgent.reconnect().catch(() => this.scheduleReconnect());
    }, delay);
  }

  private reconnectNow(): void {
    if (this.stopped || this.state === 'registered') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    void this.userAgent.reconnect().catch(() => this.scheduleReconnect());
  }

  private setState(state: ConnectionState, detail?: { status?: number }): void {
    if (this.state === state && state !== 'refused') return;
    this.state = state;
    this.opts.delegate.onConnectionState?.(state, detail);
  }

  inviter(extension: string): Inviter {
    if (!EXTENSION_PATTERN.test(extension)) throw new RangeError('inviter: not an extension');
    const target = UserAgent.makeURI(`sip:${extension}@${this.opts.domain}`);
    if (!target) throw new RangeError('inviter: invalid target');
    return new Inviter(this.userAgent, target, {
      sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    globalThis.removeEventListener?.('online', this.onOnline);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    try {
      if (this.registerer.state === RegistererState.Registered) await this.registerer.unregister();
    } catch {
      /* the server may already be gone */
    }
    try {
      await this.userAgent.stop();
    } catch {
      /* ignore */
    }
  }
}
