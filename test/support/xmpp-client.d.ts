/** @xmpp/client 0.13 ships no type declarations: the part test/support/xmpp.ts uses. */
declare module '@xmpp/client' {
  export function client(options: Record<string, unknown>): any;
  export function xml(name: string, attrs?: Record<string, string>, ...children: unknown[]): any;
}
