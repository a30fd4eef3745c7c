import { LegendScrollComponent } from "echarts/components";
import { use } from "echarts/core";
import Chart from "../../Chart";

// A legend that scrolls (one entry per staff member or channel can be many) is registered in the
// 流失统计 page's own chunk; 首页's chart needs only the plain legend.
use([LegendScrollComponent]);

/** `app/Chart.tsx`, able to draw a scrolling legend. */
export default Chart;
