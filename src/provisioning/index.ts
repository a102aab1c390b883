export * from './device-tokens.ts';
export { renderLinphoneXml, linphoneSections, type LinphoneProvisioning } from './linphone-xml.ts';
export { nativePhoneHostProblems, nativePhoneHostWarning } from './host-check.ts';
export { qrPngDataUrl, qrTerminal } from './qr.ts';
