import { DatePicker, type GetProps, Radio, Space } from "antd";
import { addDays, corpToday } from "../../days";
import { useLang } from "../../i18n";

type PickerValue = GetProps<typeof DatePicker.RangePicker>["value"];

/** A range of corp days: the last `days` days, or the days picked (kept as the picker gave them). */
export interface DayRange {
  from: string;
  to: string;
  days?: number;
  picked?: PickerValue;
}

/** The last `days` corp days, today included. */
export function lastDays(days: number): DayRange {
  const to = corpToday();
  return { from: addDays(to, -(days - 1)), to, days };
}

/**
 * 近 7 / 30 / 90 天, or any range in the RangePicker (its placeholder shows the quick range's days).
 * The range rules (from ≤ to, at most 366 days) are the API's; its errors show on the form field.
 */
export function RangeFilter({ value, onChange }: { value: DayRange; onChange(r: DayRange): void }) {
  const { t } = useLang();
  const today = corpToday();
  return (
    <Space wrap>
      <Radio.Group value={value.days} onChange={(e) => onChange(lastDays(e.target.value as number))}>
        {[7, 30, 90].map((d) => (
          <Radio.Button key={d} value={d}>
            {t.lastNDays.replace("{n}", String(d))}
          </Radio.Button>
        ))}
      </Radio.Group>
      <DatePicker.RangePicker
        data-testid="churn-range"
        value={value.picked ?? null}
        placeholder={[value.from, value.to]}
        disabledDate={(d) => d.format("YYYY-MM-DD") > today}
        onChange={(picked, [from, to]) => onChange(picked && from && to ? { from, to, picked } : lastDays(30))}
      />
    </Space>
  );
}
