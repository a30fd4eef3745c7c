import { Alert, Button, Modal, QRCode, Space, Typography } from "antd";
import { useRef, useState } from "react";
import type { GroupCode } from "../../api/groupCodes";
import { useLang } from "../../i18n";

/** The public landing page of a landing-mode code (served by the gateway beside the console). */
export const landingUrl = (codeId: string) => `${window.location.origin}/g/${codeId}`;

/**
 * 二维码: a native code's join-way QR as WeCom made it (an image URL), or a landing code's QR of its
 * landing URL (drawn here), each with a download.
 */
export function QrButton({ code }: { code: GroupCode }) {
  const { t } = useLang();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const file = `${code.name}-${code.codeId}.png`;
  const downloadLanding = () => {
    const canvas = box.current?.querySelector("canvas");
    if (!canvas) return;
    const a = document.createElement("a");
    a.href = canvas.toDataURL("image/png");
    a.download = file;
    a.click();
  };
  return (
    <>
      <Button size="small" data-testid="code-qr" onClick={() => setOpen(true)}>
        {t.qr}
      </Button>
      <Modal open={open} title={`${t.gcQrTitle} · ${code.name}`} footer={null} onCancel={() => setOpen(false)} destroyOnHidden>
        {code.mode === "landing" ? (
          <Space orientation="vertical" align="center" style={{ width: "100%" }} data-testid="qr-landing">
            <div ref={box}>
              <QRCode value={landingUrl(code.codeId)} size={240} type="canvas" />
            </div>
            <Typography.Text copyable>{landingUrl(code.codeId)}</Typography.Text>
            <Button type="primary" onClick={downloadLanding}>
              {t.gcQrDownload}
            </Button>
          </Space>
        ) : code.joinWay.qrCode ? (
          <Space orientation="vertical" align="center" style={{ width: "100%" }} data-testid="qr-native">
            <img src={code.joinWay.qrCode} alt={t.gcQrTitle} width={240} height={240} />
            <Button type="primary" href={code.joinWay.qrCode} download={file} target="_blank">
              {t.gcQrDownload}
            </Button>
          </Space>
        ) : (
          <Alert type="info" showIcon title={t.gcQrPending} />
        )}
      </Modal>
    </>
  );
}
