// Messages between bench/login.ts and its server process (bench/support/login-server.ts).
export const LOGIN_PASSWORD = 'Glacier-Orbit-Tandem-42';
export type LoginServerRequest = { type: 'eld-start' } | { type: 'eld-stop' };
export type LoginServerMessage = { type: 'ready'; port: number; users: string[] } | { type: 'eld'; p50: number; p99: number; max: number };
