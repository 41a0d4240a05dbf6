package server

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// metrics are the Prometheus metrics of a server, of one calendar or a
// folder of them, each series labelled with its calendar, in a registry of
// its own (no global state: two servers in one process do not collide).
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	notModified *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	reloads     *prometheus.CounterVec
	lastReload  *prometheus.GaugeVec
	fileValid   *prometheus.GaugeVec
	events      *prometheus.GaugeVec
	unstamped   *prometheus.GaugeVec
	feeds       *prometheus.GaugeVec
	fetches     *prometheus.CounterVec
	cached      metricsCache // what handler serves
}

func newMetrics() *metrics {
	cal := []string{"calendar"}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, cal)
	}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_requests_total", Help: "HTTP requests by calendar, route and status code.",
		}, []string{"calendar", "route", "code"}),
		notModified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_not_modified_total", Help: "Conditional requests answered 304 Not Modified, by calendar and route.",
		}, []string{"calendar", "route"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_response_bytes_total", Help: "Response body bytes sent, by calendar and route.",
		}, []string{"calendar", "route"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calfeed_http_request_duration_seconds", Help: "Time to answer a request, by calendar and route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"calendar", "route"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_reloads_total", Help: "Loads of an events file, by calendar and result (ok, failed).",
		}, []string{"calendar", "result"}),
		lastReload: gauge("calfeed_last_reload_timestamp_seconds", "When the calendar being served was loaded (Unix time)."),
		fileValid:  gauge("calfeed_config_valid", "1 when the events file on disk is the valid one being served, 0 when its last edit was invalid."),
		events:     gauge("calfeed_events", "Events in the calendar being served."),
		unstamped: gauge("calfeed_unstamped_events", "Events of the calendar being served changed since the last calfeed stamp "+
			"(their SEQUENCE did not go up: Google Calendar ignores the change); every event when there is no lock file."),
		feeds: gauge("calfeed_feeds", "Feeds rendered at load for the calendar being served: the whole calendar and the track feeds, "+
			"in its first language (other languages render on their first request, the rest of the feeds on theirs)."),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_feed_fetches_total", Help: "Feed fetches (200 and 304) by calendar, feed and calendar client family.",
		}, []string{"calendar", "feed", "client"}),
	}
	m.registry.MustRegister(m.requests, m.notModified, m.bytes, m.latency, m.reloads, m.lastReload,
		m.fileValid, m.events, m.unstamped, m.feeds, m.fetches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.cached = metricsCache{h: promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{DisableCompression: true}), now: time.Now}
	return m
}

// handler serves GET /metrics: every calendar's series, at /metrics and, in
// a folder, at each calendar's /{id}/metrics.
func (m *metrics) handler() http.Handler { return &m.cached }

// metricsCache serves the registry's answer kept for up to a second for
// each exposition format, and gathers it for one request at a time: a
// folder of hundreds of calendars has a body of megabytes that takes a
// fifth of a second of CPU to gather, which a few clients asking at once
// turned into a flood (feeds fell from 27,600 to 1,350 requests a
// second). Scrapers ask every 15 s or more; a second's delay is nothing
// to them. Compression is left to the network: a body kept per encoding
// too would be one more copy.
type metricsCache struct {
	h    http.Handler
	mu   sync.Mutex
	kept map[expfmt.Format]*keptMetrics
	now  func() time.Time
	// series counts the calendars whose series were added or removed: an
	// answer kept from before is not served after.
	series atomic.Int64
}

type keptMetrics struct {
	series int64
	at     time.Time
	header http.Header
	code   int
	body   []byte
}

func (c *metricsCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form := expfmt.Negotiate(r.Header)
	c.mu.Lock()
	k := c.kept[form]
	series := c.series.Load()
	if now := c.now(); k == nil || k.series != series || now.Sub(k.at) >= time.Second || now.Before(k.at) {
		rec := &keptMetrics{series: series, at: now, header: http.Header{}}
		req := r.Clone(r.Context())
		req.Header = http.Header{"Accept": r.Header["Accept"]}
		c.h.ServeHTTP(rec, req)
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		k = rec
		if c.kept == nil {
			c.kept = map[expfmt.Format]*keptMetrics{}
		}
		c.kept[form] = k
	}
	c.mu.Unlock()
	h := w.Header()
	for key, v := range k.header {
		h[key] = v
	}
	w.WriteHeader(k.code)
	w.Write(k.body)
}

// keptMetrics is the http.ResponseWriter the registry's answer is kept in.
func (k *keptMetrics) Header() http.Header { return k.header }
func (k *keptMetrics) WriteHeader(code int) {
	if k.code == 0 {
		k.code = code
	}
}
func (k *keptMetrics) Write(b []byte) (int, error) {
	k.WriteHeader(http.StatusOK)
	k.body = append(k.body, b...)
	return len(b), nil
}

// calMetrics are the series of one calendar.
type calMetrics struct {
	all                           *metrics
	id                            string
	requests, notModified, bytes  *prometheus.CounterVec
	latency                       prometheus.ObserverVec
	reloads, fetches              *prometheus.CounterVec
	lastReload, fileValid, events prometheus.Gauge
	unstamped, feeds              prometheus.Gauge
	fetchers                      sync.Map // feed label -> *[len(clientFamilies)]prometheus.Counter
}

// forCalendar returns the series of the calendar with the given id.
func (m *metrics) forCalendar(id string) *calMetrics {
	m.cached.series.Add(1)
	l := prometheus.Labels{"calendar": id}
	return &calMetrics{
		all: m, id: id,
		requests: m.requests.MustCurryWith(l), notModified: m.notModified.MustCurryWith(l),
		bytes: m.bytes.MustCurryWith(l), latency: m.latency.MustCurryWith(l),
		reloads: m.reloads.MustCurryWith(l), fetches: m.fetches.MustCurryWith(l),
		lastReload: m.lastReload.With(l), fileValid: m.fileValid.With(l), events: m.events.With(l),
		unstamped: m.unstamped.With(l), feeds: m.feeds.With(l),
	}
}

// forget removes the calendar's series: it is served no more.
func (c *calMetrics) forget() {
	defer c.all.cached.series.Add(1)
	l := prometheus.Labels{"calendar": c.id}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		c.all.requests, c.all.notModified, c.all.bytes, c.all.latency, c.all.reloads, c.all.fetches,
		c.all.lastReload, c.all.fileValid, c.all.events, c.all.unstamped, c.all.feeds,
	} {
		v.DeletePartialMatch(l)
	}
}

// instrument counts the requests of one route.
func (s *Server) instrument(route string, next http.Handler) http.Handler {
	return s.routeMetrics(route).wrap(next)
}

// routeMetrics are the series of one route of s.
func (s *Server) routeMetrics(route string) *routeMetrics {
	if s.grant != nil {
		// A secret address's: counted apart, the token unsaid.
		if strings.HasPrefix(route, "/") {
			route = "/p/{token}" + route
		} else {
			route = "/p/{token}/" + route
		}
	}
	return newRouteMetrics(s.metrics, route, s.grant == nil)
}

// routeMetrics are the series of one route, looked up once: a request is
// counted with atomic adds, not a hash of label values.
type routeMetrics struct {
	requests    *prometheus.CounterVec // curried with the route: by code
	ok, notMod  prometheus.Counter     // requests of the usual codes, 200 and 304
	notModified prometheus.Counter
	bytes       prometheus.Counter // nil: sizes not counted
	latency     prometheus.Observer
}

// newRouteMetrics returns the series of one route in m, with sizes the
// bytes of its bodies: not those of a secret address, whose counter, read
// before and after a fetch, would give anyone the size of the private
// calendar and tell when it changed.
func newRouteMetrics(m *calMetrics, route string, sizes bool) *routeMetrics {
	requests := m.requests.MustCurryWith(prometheus.Labels{"route": route})
	rm := &routeMetrics{
		requests:    requests,
		ok:          requests.WithLabelValues(strconv.Itoa(http.StatusOK)),
		notMod:      requests.WithLabelValues(strconv.Itoa(http.StatusNotModified)),
		notModified: m.notModified.WithLabelValues(route),
		latency:     m.latency.WithLabelValues(route),
	}
	if sizes {
		rm.bytes = m.bytes.WithLabelValues(route)
	}
	return rm
}

// wrap returns next, its requests counted.
func (rm *routeMetrics) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rm.serve(w, r, next.ServeHTTP) })
}

// serve answers r with h and counts the request.
func (rm *routeMetrics) serve(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) {
	sw, ok := w.(*statusWriter)
	if !ok {
		sw = &statusWriter{ResponseWriter: w, start: time.Now()}
	}
	start := sw.start // the request log's: one clock reading fewer
	h(sw, r)
	switch code := cmp.Or(sw.status, http.StatusOK); code {
	case http.StatusOK:
		rm.ok.Inc()
	case http.StatusNotModified:
		rm.notMod.Inc()
		rm.notModified.Inc()
	default:
		rm.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	if rm.bytes != nil {
		rm.bytes.Add(float64(sw.bytes))
	}
	sw.end = time.Now() // the request log's too: one clock reading fewer
	rm.latency.Observe(sw.end.Sub(start).Seconds())
}

// clientFamilies are the values of the client label.
var clientFamilies = [...]string{"google", "microsoft", "apple", "thunderbird", "other"}

// countFetch records a subscriber's fetch of a feed. The counters of each
// feed are looked up once and kept: a fetch is an array index and an atomic
// add, not a hash of label values.
func (s *Server) countFetch(feed string, r *http.Request) {
	if s.grant != nil {
		feed = "private" // no private track's id in a label
	}
	c, ok := s.metrics.fetchers.Load(feed)
	if !ok {
		var cs [len(clientFamilies)]prometheus.Counter
		for i, f := range clientFamilies {
			cs[i] = s.metrics.fetches.WithLabelValues(feed, f)
		}
		c, _ = s.metrics.fetchers.LoadOrStore(feed, &cs)
	}
	c.(*[len(clientFamilies)]prometheus.Counter)[clientFamily(userAgent(r))].Inc()
}

// clientFamily recognises the calendar client from its User-Agent and
// returns its index in clientFamilies.
func clientFamily(ua string) int {
	has := func(sub string) bool { return containsFold(ua, sub) }
	switch {
	case has("google"): // Google-Calendar-Importer
		return 0
	case has("microsoft") || has("outlook") || has("exchange") || has("msoffice"):
		return 1
	case has("thunderbird") || has("lightning"): // before Apple: Thunderbird on a Mac says "Mac OS X"
		return 3
	case has("calendaragent") || has("dataaccessd") || has("ical/") || has("macos/") ||
		has("ios/") || has("mac os x") || has("iphone") || has("ipad"):
		return 2
	default:
		return 4
	}
}

// containsFold reports whether s contains the lower-case ASCII substr,
// ignoring ASCII case, without allocating.
func containsFold(s, substr string) bool {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != substr[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
