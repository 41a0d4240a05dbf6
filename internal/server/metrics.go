package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus metrics of one Server, in a registry of its
// own (no global state: two servers in one process do not collide).
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	notModified *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	reloads     *prometheus.CounterVec
	lastReload  prometheus.Gauge
	fileValid   prometheus.Gauge
	events      prometheus.Gauge
	unstamped   prometheus.Gauge
	feeds       prometheus.Gauge
	fetches     *prometheus.CounterVec
	fetchers    sync.Map // feed label -> *[len(clientFamilies)]prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		notModified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_not_modified_total", Help: "Conditional requests answered 304 Not Modified, by route.",
		}, []string{"route"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_http_response_bytes_total", Help: "Response body bytes sent, by route.",
		}, []string{"route"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calfeed_http_request_duration_seconds", Help: "Time to answer a request, by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"route"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_reloads_total", Help: "Loads of the events file, by result (ok, failed).",
		}, []string{"result"}),
		lastReload: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "calfeed_last_reload_timestamp_seconds", Help: "When the calendar being served was loaded (Unix time).",
		}),
		fileValid: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "calfeed_config_valid", Help: "1 when the events file on disk is the valid one being served, 0 when its last edit was invalid.",
		}),
		events: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "calfeed_events", Help: "Events in the calendar being served.",
		}),
		unstamped: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "calfeed_unstamped_events", Help: "Events of the calendar being served changed since the last calfeed stamp (their SEQUENCE did not go up: Google Calendar ignores the change); every event when there is no lock file.",
		}),
		feeds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "calfeed_feeds", Help: "Feeds rendered at load for the calendar being served: the whole calendar and each track, per language (others render on first request).",
		}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calfeed_feed_fetches_total", Help: "Feed fetches (200 and 304) by feed and calendar client family.",
		}, []string{"feed", "client"}),
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

// instrument counts the requests of one route.
func (s *Server) instrument(route string, next http.Handler) http.Handler {
	requests := s.metrics.requests.MustCurryWith(prometheus.Labels{"route": route})
	notModified := s.metrics.notModified.WithLabelValues(route)
	bytes := s.metrics.bytes.WithLabelValues(route)
	latency := s.metrics.latency.WithLabelValues(route)
	// The usual codes' counters, looked up once (read-only after this).
	common := map[int]prometheus.Counter{}
	for _, code := range []int{http.StatusOK, http.StatusNotModified} {
		common[code] = requests.WithLabelValues(strconv.Itoa(code))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
			w = sw
		}
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
		latency.Observe(time.Since(start).Seconds())
	})
}

// clientFamilies are the values of the client label.
var clientFamilies = [...]string{"google", "microsoft", "apple", "thunderbird", "other"}

// countFetch records a subscriber's fetch of a feed. The counters of each
// feed are looked up once and kept: a fetch is an array index and an atomic
// add, not a hash of label values.
func (s *Server) countFetch(feed string, r *http.Request) {
	c, ok := s.metrics.fetchers.Load(feed)
	if !ok {
		var cs [len(clientFamilies)]prometheus.Counter
		for i, f := range clientFamilies {
			cs[i] = s.metrics.fetches.WithLabelValues(feed, f)
		}
		c, _ = s.metrics.fetchers.LoadOrStore(feed, &cs)
	}
	c.(*[len(clientFamilies)]prometheus.Counter)[clientFamily(r.UserAgent())].Inc()
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
