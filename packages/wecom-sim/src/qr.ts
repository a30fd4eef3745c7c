import QRCode from "qrcode";

/**
 * The simulator's QR codes. WeCom's `qr_code` (contact ways, join ways) is the URL of an image; the
 * simulator's is a PNG whose code encodes the scan page, where a developer plays the customer who
 * scanned it. A phone cannot reach 127.0.0.1, so the page, not a WeChat deep link, is what it encodes.
 */

/** The scan page of a contact way or join way (`GET /_sim/qr/:configId`). */
export function scanPageUrl(baseUrl: string, configId: string): string {
  return `${baseUrl}/_sim/qr/${encodeURIComponent(configId)}`;
}

/** What `qr_code` holds: the PNG of a QR code encoding `scanPageUrl` (`GET /_sim/qr/:configId.png`). */
export function qrImageUrl(baseUrl: string, configId: string): string {
  return `${scanPageUrl(baseUrl, configId)}.png`;
}

/** A PNG QR code of `text` (error correction M, 4-module quiet zone as the QR spec asks). */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 4, scale: 6 });
}
