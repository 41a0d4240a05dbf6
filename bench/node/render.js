'use strict';
// render.js: how long ical-generator takes to render a calendar, for the
// issue's "rendering a 1000-event feed at least 20x faster than
// ical-generator".
//
//   node render.js EVENTS.yaml [RUNS]
//
// It reads a (synthetic) events.yaml once, untimed, as calfeed's own figure
// (BenchmarkRenderFull in internal/feed) starts from a loaded calendar; then,
// RUNS times after three warm-up runs, builds the full feed in the default
// language the way ical-generator's documentation deploys it (a new
// ICalCalendar, one createEvent per event with a Luxon DateTime in the
// event's zone, a VTIMEZONE generator from @touch4it/ical-timezones) and
// calls toString(). It prints one JSON line: the median and minimum wall
// milliseconds for build+render, its median CPU milliseconds (user + system
// of the process, every thread: other processes taking the core do not
// count), the median for toString alone, and the feed's size.
//
// The text follows calfeed's feed (the same title, "Cancelled:" prefix,
// description with the online and page links, location, categories, status,
// RRULE), so both render about the same properties; the bytes differ (line
// folding, VTIMEZONE forms), which is why the servers serve calfeed's file.

const fs = require('node:fs');
const YAML = require('yaml');
const { DateTime, Duration } = require('luxon');
const { ICalCalendar, ICalCalendarMethod, ICalEventStatus } = require('ical-generator');
const { getVtimezoneComponent } = require('@touch4it/ical-timezones');

const [file, runsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node render.js EVENTS.yaml [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg || 10);

const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
const lang = doc.calendar.languages[0];
const text = (t) => (t == null ? '' : typeof t === 'string' ? t : (t[lang] ?? Object.values(t)[0]));
const trackNames = new Map(doc.tracks.map((t) => [t.id, text(t.name)]));
const defaultZone = doc.calendar.timezone;

const wall = (s, zone) => DateTime.fromFormat(String(s).replace('T', ' ').slice(0, 16), 'yyyy-MM-dd HH:mm', { zone });
const date = (s) => DateTime.fromISO(String(s), { zone: 'UTC' });
const duration = (s) => {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(String(s));
  return Duration.fromObject({ days: +(m[1] || 0), hours: +(m[2] || 0), minutes: +(m[3] || 0) });
};
const statuses = { confirmed: ICalEventStatus.CONFIRMED, tentative: ICalEventStatus.TENTATIVE, cancelled: ICalEventStatus.CANCELLED };

function build() {
  const cal = new ICalCalendar({
    prodId: '//calfeed//bench//EN',
    method: ICalCalendarMethod.PUBLISH,
    name: text(doc.calendar.name),
    description: text(doc.calendar.description),
    ttl: 6 * 60 * 60,
  });
  cal.timezone({ name: defaultZone, generator: getVtimezoneComponent });
  for (const e of doc.events) {
    const zone = e.timezone || defaultZone;
    const allDay = !/\d:\d/.test(String(e.start));
    let start, end;
    if (allDay) {
      start = date(e.start);
      end = (e.end ? date(e.end) : start).plus({ days: 1 });
    } else {
      start = wall(e.start, zone);
      end = e.end ? wall(e.end, zone) : start.plus(duration(e.duration));
    }
    let desc = text(e.description);
    if (e.online) desc += (desc ? '\n\n' : '') + 'Online: ' + e.online;
    if (e.url) desc += (desc ? '\n\n' : '') + 'Details: ' + e.url;
    const status = e.status || 'confirmed';
    const stamp = e.updated ? DateTime.fromISO(e.updated) : DateTime.fromISO('2025-01-01T00:00:00Z');
    cal.createEvent({
      id: e.id + '@' + doc.calendar.id,
      start,
      end,
      allDay,
      timezone: allDay ? null : zone,
      summary: (status === 'cancelled' ? '已取消：' : '') + text(e.title),
      description: desc || null,
      location: text(e.location) || null,
      url: e.url || null,
      categories: (e.tracks || []).map((id) => ({ name: trackNames.get(id) })),
      status: statuses[status],
      sequence: 0,
      stamp,
      lastModified: stamp,
      repeating: e.repeat ? { freq: e.repeat.freq.toUpperCase(), count: e.repeat.count } : null,
    });
  }
  return cal;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
let out = '';
for (let i = 0; i < 3; i++) out = build().toString(); // warm-up
const cpuMs = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const total = [];
const totalCPU = [];
const toString = [];
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const cal = build();
  const t1 = process.hrtime.bigint();
  out = cal.toString();
  total.push(ms(t0));
  totalCPU.push(cpuMs(c0));
  toString.push(ms(t1));
}
console.log(JSON.stringify({
  events: doc.events.length,
  bytes: Buffer.byteLength(out),
  vtimezones: (out.match(/BEGIN:VTIMEZONE/g) || []).length,
  runs,
  build_render_ms_median: +median(total).toFixed(2),
  build_render_ms_min: +Math.min(...total).toFixed(2),
  build_render_cpu_ms_median: +median(totalCPU).toFixed(2),
  to_string_ms_median: +median(toString).toFixed(2),
}));
