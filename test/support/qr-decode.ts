import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

/**
 * Decodes a QR code PNG (data URL or bytes) with jsQR. jsqr ships a CommonJS build whose
 * types declare an ES default export: under NodeNext the default import is the module
 * object, so the function is taken from `.default` when present.
 */
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr;

export function decodeQrPng(png: string | Buffer): string | null {
  const bytes = typeof png === 'string' ? Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64') : png;
  const image = PNG.sync.read(bytes);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}
