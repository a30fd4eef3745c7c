import jsQR from "jsqr";
import { PNG } from "pngjs";

/** The 8 bytes every PNG starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decode the QR code in a PNG image (jsQR over pngjs's RGBA pixels); throws when there is none. */
export function decodeQrPng(png: Uint8Array): string {
  const image = PNG.sync.read(Buffer.from(png));
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height);
  if (!code) throw new Error(`no QR code found in the ${image.width}×${image.height} PNG`);
  return code.data;
}
