// A small React wrapper around ECharts: only the parts the app draws (line and bar series, a
// grid, tooltips, the canvas renderer) are registered, so the bundle carries nothing else. The
// chart follows its box's size, is disposed with the component, stays still for readers who ask
// for reduced motion, and is an image with a name for assistive technology: the caller passes the
// same data as text (a table) in `children`. Works under the strict CSP: ECharts sets styles
// through the CSSOM, and tooltips are drawn on the canvas (`renderMode: 'richText'`), not as HTML.
import { useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, TooltipComponent, type GridComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use as registerChartParts, type ComposeOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

registerChartParts([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption>;

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

function subscribeToMotion(onChange: () => void): () => void {
  const query = window.matchMedia(REDUCED_MOTION);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

export function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(subscribeToMotion, () => window.matchMedia(REDUCED_MOTION).matches);
}

export interface ChartProps {
  option: ChartOption;
  /** The chart's accessible name: what it shows, e.g. "Spend and revenue by day, 1–30 June". */
  label: string;
  className?: string;
  /** The same data as text for screen readers (a visually hidden table or a summary). */
  children?: ReactNode;
}

/** Default export too, for React.lazy: a page loads the chart engine only when it shows a chart. */
export default function Chart({ option, label, className, children }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);
  const reducedMotion = usePrefersReducedMotion();

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const instance = init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ ...option, animation: !reducedMotion && option.animation !== false }, { notMerge: true });
  }, [option, reducedMotion]);

  return (
    <figure className={`chart${className === undefined ? '' : ` ${className}`}`}>
      <div ref={box} className="chart-canvas" role="img" aria-label={label} />
      {children}
    </figure>
  );
}

export { Chart };
