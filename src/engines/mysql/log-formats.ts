/**
 * The three logs MariaDB writes for an instance (my.cnf: log_error,
 * general_log_file, slow_query_log_file, log_output = FILE) and how their
 * lines split into entries.
 *
 * Times: MariaDB stamps these files in the server process's local time, which
 * is UTC because berth starts mariadbd with TZ=UTC (mariadbd-process.ts;
 * SELECT @@system_time_zone says `UTC`). The session/global `time_zone`
 * parameter does not change them. There is no log_timestamps in MariaDB.
 *
 *  error      `2024-05-01 12:00:00 0 [Note] …` (the hour is space-padded:
 *             `2024-05-01  9:00:00`); lines without that prefix (the
 *             `Version: …` line after "ready for connections", stack traces)
 *             continue the entry before them.
 *  general    `240501 12:00:00\t    15 Query\tSELECT …` when the second
 *             changed since the previous entry, else `\t\t    15 Query\t…`
 *             (an entry of its own, at the last time written); lines of a
 *             multi-line statement continue it; the three header lines the
 *             server writes when it opens the file are an entry of their own.
 *  slowquery  `# Time: 240501 12:00:00` (again only when the second changed)
 *             then `# User@Host: …`, `# Thread_id: …`, `# Query_time: …`,
 *             `SET timestamp=…;` and the statement: one entry from `# Time:`
 *             or from a `# User@Host:` line that has no `# Time:` line before it.
 */
import type { LogFormat, LineKind } from './log-files.js';

const START: LineKind = { kind: 'start' };
const CONTINUATION: LineKind = { kind: 'continuation' };

function utc(year: number, month: string, day: string, hour: string, minute: string, second: string): number | undefined {
  const time = Date.UTC(year, Number(month) - 1, Number(day), Number(hour.trim()), Number(minute), Number(second));
  return Number.isFinite(time) ? time : undefined;
}

const timed = (time: number | undefined): LineKind => (time === undefined ? CONTINUATION : { kind: 'timed', time });

/** `YYYY-MM-DD HH:MM:SS ` (hour space- or zero-padded) then a thread id and a `[Level]`. */
const ERROR_ENTRY = /^(\d{4})-(\d{2})-(\d{2}) ([ \d]\d):(\d{2}):(\d{2}) +\d+ \[/;
/** `YYMMDD HH:MM:SS` then a tab. */
const GENERAL_TIMED = /^(\d{2})(\d{2})(\d{2}) ([ \d]\d):(\d{2}):(\d{2})\t/;
/** `\t\t` then the space-padded thread id and the command. */
const GENERAL_UNTIMED = /^\t\t *\d+ [A-Z]/;
/** The first of the header lines written whenever the server opens the general or slow log. */
const FILE_HEADER = /^\S.*, Version: .* started with:$/;
const SLOW_TIME = /^# Time: (\d{2})(\d{2})(\d{2}) ([ \d]\d):(\d{2}):(\d{2})\s*$/;
const SLOW_USER = /^# User@Host: /;

export const errorLogFormat: LogFormat = {
  stream: 'error',
  classify(line) {
    const m = ERROR_ENTRY.exec(line);
    return m ? timed(utc(Number(m[1]), m[2]!, m[3]!, m[4]!, m[5]!, m[6]!)) : CONTINUATION;
  },
};

export const generalLogFormat: LogFormat = {
  stream: 'general',
  classify(line) {
    const m = GENERAL_TIMED.exec(line);
    if (m) return timed(utc(2000 + Number(m[1]), m[2]!, m[3]!, m[4]!, m[5]!, m[6]!));
    return GENERAL_UNTIMED.test(line) || FILE_HEADER.test(line) ? START : CONTINUATION;
  },
};

export const slowLogFormat: LogFormat = {
  stream: 'slowquery',
  classify(line, previous) {
    const m = SLOW_TIME.exec(line);
    if (m) return timed(utc(2000 + Number(m[1]), m[2]!, m[3]!, m[4]!, m[5]!, m[6]!));
    if (SLOW_USER.test(line)) return previous !== undefined && SLOW_TIME.test(previous) ? CONTINUATION : START;
    return FILE_HEADER.test(line) ? START : CONTINUATION;
  },
};

export const MYSQL_LOG_FORMATS: readonly LogFormat[] = [errorLogFormat, generalLogFormat, slowLogFormat];
