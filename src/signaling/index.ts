export { KamailioRpc, KamailioRpcError } from './kamailio-rpc.ts';
export { renderKamailioConfig, renderDefs, renderTlsCfg, kamailioDebugLevel, KAMAILIO_TEMPLATE_DIR, RenderError } from './render.ts';
export type { KamailioFeatures, RenderedKamailio } from './render.ts';
export { readKamailioRpcToken, kamailioRpcTokenFile, rpcTokenSha256, RPC_TOKEN_HEADER } from './rpc-token.ts';
export { connectionIdsFromLookup, dialogsOf, isRpcNotFound } from './rpc-replies.ts';
export type { AccountDialog, TcpConnection } from './rpc-replies.ts';
