import { HeatmapChart } from "echarts/charts";
import { VisualMapComponent } from "echarts/components";
import { use } from "echarts/core";
import Chart from "../../Chart";

// The heatmap and its colour scale are registered in the 留存 tab's own chunk, loaded when it opens.
use([HeatmapChart, VisualMapComponent]);

/** `app/Chart.tsx`, able to draw heatmaps. */
export default Chart;
