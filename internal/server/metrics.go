package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	return m
}

// handler serves GET /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
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
	if s.grant != nil {
		// A secret address's: counted apart, the token unsaid.
		if strings.HasPrefix(route, "/") {
			route = "/p/{token}" + route
		} else {
			route = "/p/{token}/" + route
		}
	}
	return instrument(s.metrics, route, next)
}

// instrument counts the requests of one route in m.
func instrument(m *calMetrics, route string, next http.Handler) http.Handler {
	requests := m.requests.MustCurryWith(prometheus.Labels{"route": route})
	notModified := m.notModified.WithLabelValues(route)
	bytes := m.bytes.WithLabelValues(route)
	latency := m.latency.WithLabelValues(route)
	// The usual codes' counters, looked up once (read-only after this).
	common := map[int]prometheus.Counter{}
	for _, code := range []int{http.StatusOK, http.StatusNotModified} {
		common[code] = requests.WithLabelValues(strconv.Itoa(code))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w, start: time.Now()}
			w = sw
		}
		start := sw.start // the request log's: one clock reading fewer
		next.ServeHTTP(w, r)
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		if c, ok := common[code]; ok {
			c.Inc()
		} else {
			requests.WithLabelValues(strconv.Itoa(code)).Inc()
		}
		if code == http.StatusNotModified {
			notModified.Inc()
		}
		bytes.Add(float64(sw.bytes))
		sw.end = time.Now() // the request log's too: one clock reading fewer
		latency.Observe(sw.end.Sub(start).Seconds())
	})
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
