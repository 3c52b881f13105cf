import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisUsd } from './format';

/** Cost per day as bars (uPlot): x is the local day, y is USD. Resizes with its container. */
export function DailyChart(props: {
  days: string[];
  values: number[];
  label: string;
  locale: string;
}): preact.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const xs = props.days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1000);
    const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
        },
        axes: [
          {
            stroke: '#64748b',
            grid: { show: false },
            ticks: { show: false },
            values: (_u, splits) =>
              splits.map((split) =>
                new Date(split * 1000).toLocaleDateString(props.locale, {
                  month: 'short',
                  day: 'numeric',
                  timeZone: 'UTC',
                }),
              ),
          },
          {
            stroke: '#64748b',
            grid: { stroke: '#e2e8f0', width: 1 },
            ticks: { show: false },
            size: 70,
            values: (_u, splits) => splits.map((split) => axisUsd(split, props.locale)),
          },
        ],
        series: [
          {},
          {
            label: props.label,
            fill: '#6366f1',
            stroke: '#4f46e5',
            width: 0,
            paths: bars,
            points: { show: false },
          },
        ],
      },
      [xs, props.values],
      element,
    );
    const observer = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(element.clientWidth, 240), height: 220 }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [props.days.join(), props.values.join(), props.locale]);
  return <div class="chart" ref={box} />;
}

/** Horizontal share bars for categories (users, models, providers): plain HTML, no canvas. */
export function ShareBars(props: {
  rows: { label: string; value: number; display: string }[];
}): preact.JSX.Element {
  const max = Math.max(...props.rows.map((row) => row.value), 0);
  return (
    <ul class="share-bars">
      {props.rows.map((row) => (
        <li key={row.label}>
          <div class="share-label">
            <span class="share-name">{row.label}</span>
            <span class="share-value">{row.display}</span>
          </div>
          <div class="share-track">
            <div
              class="share-fill"
              style={{ width: `${max > 0 ? (row.value / max) * 100 : 0}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
