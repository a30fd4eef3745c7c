import { Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { api } from "../../api/client";

// one read per customer per page load: the same customer shows in the plan, the recipients and again after a sync
const names = new Map<string, Promise<string | undefined>>();

function nameOf(externalUserId: string): Promise<string | undefined> {
  let p = names.get(externalUserId);
  if (!p) {
    p = api.GET("/v1/customers/{externalUserId}", { params: { path: { externalUserId } } }).then(
      // the name is the customer's profile's (the detail's relations carry none); undefined on an error answer
      (r) => r.data?.profile?.name,
      () => undefined,
    );
    names.set(externalUserId, p);
  }
  return p;
}

/** A recipient as the operator knows them: the customer's name (from 客户) over its external user id; a group's chat id as it is. */
export function RecipientName({ id, group }: { id: string; group?: boolean }) {
  const [name, setName] = useState<string>();
  useEffect(() => {
    let live = true;
    if (!group) void nameOf(id).then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [id, group]);
  if (!name) return <>{id}</>;
  return (
    <Space orientation="vertical" size={0}>
      {name}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {id}
      </Typography.Text>
    </Space>
  );
}
