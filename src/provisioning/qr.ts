import QRCode from 'qrcode';

/**
 * QR codes of a provisioning URL, rendered by the `qrcode` package. Error correction M
 * (15 %): the URL is short enough that the code stays small for a phone camera.
 */
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 };

/** A PNG data URL for the admin page (<img src>, allowed by its CSP `img-src data:`). */
export function qrPngDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { ...OPTIONS, type: 'image/png', scale: 6 });
}

/** The same code drawn with Unicode half blocks, for the admin CLI. */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'utf8' });
}
