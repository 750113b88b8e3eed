// The part of autocannon 9's programmatic API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p99: number;
    total: number;
  }

  export interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    headers?: Record<string, string>;
    method?: string;
    body?: string;
    /** Per-request shaping: setupRequest gets and returns the request about to be sent. */
    requests?: { method?: string; path?: string; body?: string; headers?: Record<string, string>; setupRequest?: (request: AutocannonRequest) => AutocannonRequest }[];
  }

  export interface AutocannonRequest {
    method?: string;
    path?: string;
    body?: string;
    headers: Record<string, string>;
  }

  export interface AutocannonResult {
    /** Requests per second, sampled once a second. */
    requests: Histogram & { sent: number };
    /** Milliseconds. */
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }

  /** The promise also carries stop(): end the run early (it then resolves with what was measured). */
  export default function autocannon(options: AutocannonOptions): Promise<AutocannonResult> & { stop(): void };
}
