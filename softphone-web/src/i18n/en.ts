/**
 * English UI text. Every key here must exist in es.ts too (the `Messages` type makes
 * the compiler check it). Placeholders are written {name} and filled by `t()`.
 */
export const en = {
  'app.name': 'susurro',
  'app.tagline': 'Private calls between colleagues',
  'lang.label': 'Language',

  'login.title': 'Sign in',
  'login.extension': 'Extension',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.error.credentials': 'Extension or password is wrong.',
  'login.error.disabled': 'This account has been disabled. Ask your administrator.',
  'login.error.rateLimited': 'Too many attempts. Wait a minute and try again.',
  'login.error.network': 'The server cannot be reached. Check your connection.',
  'login.error.server': 'The server had a problem ({status}). Try again later.',
  'login.footer': 'Calls are end-to-end encrypted. Nobody else, not even the server, can listen.',

  'conn.connecting': 'Connecting…',
  'conn.registered': 'Online',
  'conn.reconnecting': 'Connection lost — reconnecting…',
  'conn.offline': 'Offline',
  'conn.refused': 'The server refused this account.',

  'home.greeting': 'Hello, {name}',
  'home.extension': 'Extension {ext}',
  'home.logout': 'Sign out',
  'home.search': 'Search colleagues',
  'home.searchPlaceholder': 'Name or extension',
  'home.directory': 'Colleagues',
  'home.noMatches': 'No colleague matches “{q}”.',
  'home.emptyDirectory': 'No colleagues yet.',
  'home.dial': 'Dial an extension',
  'home.dialPlaceholder': 'e.g. 201',
  'home.call': 'Call',
  'home.callName': 'Call {name}',
  'home.verifiedBadge': 'Verified before',

  'call.outgoing': 'Calling…',
  'call.ringing': 'Ringing…',
  'call.incoming': 'Incoming call',
  'call.answer': 'Answer',
  'call.reject': 'Decline',
  'call.hangup': 'Hang up',
  'call.mute': 'Mute',
  'call.unmute': 'Unmute',
  'call.securing': 'Securing the call…',
  'call.securingHint': 'Agreeing on keys directly with the other phone.',
  'call.notSecure': 'Not secure — no audio is being sent',
  'call.notSecureHint': 'The encryption could not be set up, so your microphone stays silent.',
  'call.unverified': 'Encrypted, not verified',
  'call.unverifiedHint': 'Compare the code below before you say anything sensitive.',
  'call.verified': 'Encrypted and verified',
  'call.verifiedHint': 'You both confirmed the same code. Nobody is in the middle.',
  'call.verifiedBefore': 'Verified before',
  'call.verifiedBeforeHint': 'You verified this colleague on an earlier call, and the keys still match.',
  'call.sasTitle': 'Security code',
  'call.sasHint': 'Read this code aloud. Your colleague must see exactly the same.',
  'call.sasMatches': 'Matches',
  'call.sasMismatch': 'Does not match',
  'call.mismatchWarningTitle': 'Warning: the keys changed',
  'call.mismatchWarning':
    'Your phone knew this colleague, but the keys do not continue from the last call. Someone may be listening. Compare the code carefully before speaking.',
  'call.flagged': 'Possible interception — your microphone is off',
  'call.auxMismatch':
    'The connection details do not match on both sides. Someone may be intercepting this call.',
  'call.timer': 'Call duration',
  'call.with': 'Call with {name}',
  'call.back': 'Back to colleagues',

  'end.title': 'Call ended',
  'end.normal': 'The call has ended.',
  'end.rejected': '{name} declined the call.',
  'end.404': 'Extension {target} does not exist.',
  'end.403': 'The server refused the call. Your account may not be allowed to call.',
  'end.480': '{name} is not available right now (not signed in).',
  'end.486': '{name} is busy on another call.',
  'end.488': 'The call could not be set up securely (the other phone or the server refused the encryption settings).',
  'end.487': 'The call was cancelled.',
  'end.408': 'Nobody answered.',
  'end.other': 'The call failed ({code}).',
  'end.sasMismatch':
    'You ended the call because the codes did not match. This means someone may have been listening in. Do not repeat what you said on another channel without checking it first, and tell your administrator.',
  'end.peerSasMismatch':
    'Your colleague ended the call because the codes did not match. Someone may have been listening in.',
  'end.zrtpFailed': 'The call was ended because the encryption could not be set up. No audio was sent.',
  'end.watchdog':
    'The call was ended because audio kept flowing but stopped being encrypted. This should never happen; no unencrypted audio was played.',
  'end.revoked': 'Your account was disabled by an administrator, so the call was ended and you were signed out.',
  'end.connectionLost': 'The connection to the server was lost.',
  'end.mediaFailed': 'The audio connection failed.',
  'end.missed': 'Missed call from {name}.',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = { readonly [K in MessageKey]: string };
