import pg from 'pg';

// Dates stay calendar dates ('YYYY-MM-DD'): turning them into JS Dates shifts them by the process
// time zone. bigint counts and minor-unit amounts fit safely in a double (< 2^53).
let done = false;
export function setPgTypeParsers(): void {
  if (done) return;
  done = true;
  pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
}
