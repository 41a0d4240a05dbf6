package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"calfeed/internal/calendar"
	"calfeed/internal/web"
)

// The browser test drives Debian's Chromium through the subscribe page of
// the repository's events.yaml, served by a real calfeed on 127.0.0.1.
// Without Chromium it is skipped, saying how to run it; where CI is set
// (.ci/run sets it, and installs Chromium) a missing browser is a failure.
//
// Environment:
//
//	CALFEED_CHROMIUM     the browser (default /usr/bin/chromium)
//	CALFEED_SCREENSHOTS  where to save the screenshots (default: the test's temporary directory)
//	CI                   set: the test must run

// browserTimeout bounds the whole test, browser start included.
const browserTimeout = 90 * time.Second

func TestBrowser(t *testing.T) {
	chrome := os.Getenv("CALFEED_CHROMIUM")
	if chrome == "" {
		chrome = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chrome); err != nil {
		msg := fmt.Sprintf("the browser test needs Chromium at %s (%v): install it with "+
			"`apt-get install -y chromium fonts-noto-cjk fonts-noto-core` (.ci/run does), "+
			"or set CALFEED_CHROMIUM to a Chromium or Chrome binary", chrome, err)
		if os.Getenv("CI") == "" {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	shots := os.Getenv("CALFEED_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	cal, err := calendar.ReadFile(t.Context(), "../../events.yaml", calendar.Options{})
	if err != nil {
		t.Fatalf("events.yaml: %v", err)
	}
	srv, err := New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	// The screenshots show a public address, as the README's readers would.
	public, err := New(cal, Options{BaseURL: "https://calendar.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	shown := httptest.NewServer(public)
	defer shown.Close()
	// A folder of two calendars, for the index.
	folder := NewFolder(Options{BaseURL: "https://calendar.example.org"})
	folder.Load("events.yaml", cal)
	second, err := calendar.Load("forum.yaml", strings.NewReader(folderYAML("forum", "WSIS Forum 2016")), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	folder.Load("forum.yaml", second)
	fs := httptest.NewServer(folder)
	defer fs.Close()
	// A calendar written in Arabic, for its texts on a left-to-right page.
	arabic, err := calendar.Load("ar.yaml", strings.NewReader(`calendar: {id: ar, name: تقويمي, description: محاضرات وورش عمل، لكل منها موجز., timezone: Asia/Riyadh, languages: [ar]}
events:
  - {id: talk, title: المحاضرة الافتتاحية, start: 2026-05-04 09:00, duration: 1h}
`), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	arabicSrv, err := New(arabic, Options{BaseURL: "https://calendar.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	as := httptest.NewServer(arabicSrv)
	defer as.Close()
	local := map[string]bool{}
	for _, s := range []string{ts.URL, shown.URL, fs.URL, as.URL} {
		u, _ := url.Parse(s)
		local[u.Host] = true
	}

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers give /dev/shm little room
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Everything the page does wrong, as the browser reports it: script
	// errors, console errors (a Content-Security-Policy refusal is one), and
	// any request to another host.
	var mu sync.Mutex
	var problems []string
	report := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			report("script error at %s:%d: %s", d.URL, d.LineNumber+1, msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				report("console %s", ev.Type)
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				report("browser log %s: %s (%s)", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err == nil && u.Scheme != "data" && !local[u.Host] {
				report("request to another host: %s", ev.Request.URL)
			}
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	start := time.Now()
	call := func(what string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	call("enabling the runtime", func() error { _, err := chromedp.Call(bctx, runtime.Enable, struct{}{}); return err })
	call("enabling the log", func() error { _, err := chromedp.Call(bctx, log.Enable, struct{}{}); return err })
	call("enabling the network", func() error {
		_, err := chromedp.Call(bctx, network.Enable, network.EnableParams{})
		return err
	})
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		call("granting "+name, func() error {
			_, err := chromedp.CallBrowser(bctx, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
				Setting:    browser.PermissionSettingGranted,
				Origin:     ts.URL,
			})
			return err
		})
	}
	setZone := func(zone string) {
		t.Helper()
		call("time zone "+zone, func() error {
			_, err := chromedp.Call(bctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
			return err
		})
	}
	viewport := func(w, h int64, phone bool) chromedp.Action[chromedp.Void] {
		if phone {
			return chromedp.EmulateViewport(w, h, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		return chromedp.EmulateViewport(w, h)
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return s
	}
	openOn := func(base, path string) {
		t.Helper()
		call("GET "+path, func() error { return chromedp.Do(bctx, chromedp.Navigate(base+path)) })
	}
	open := func(path string) { t.Helper(); openOn(ts.URL, path) }
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 1. The page in three languages, Arabic right to left; screenshots at
	// a desktop's and a phone's width.
	setZone("America/New_York")
	for _, tc := range []struct{ lang, dir, subscribe, programme, agenda string }{
		{"zh", "ltr", "订阅", "日程", "我的日程"},
		{"en", "ltr", "Subscribe", "Programme", "My agenda"},
		{"ar", "rtl", "الاشتراك", "البرنامج", "جدول أعمالي"},
	} {
		call("desktop viewport", func() error { return chromedp.Do(bctx, viewport(1280, 1500, false)) })
		openOn(shown.URL, "/?lang="+tc.lang)
		got := eval(`[document.documentElement.lang, document.documentElement.dir,
			document.querySelector('#subscribe-h').textContent, document.querySelector('#programme-h').textContent,
			document.querySelector('#agenda-h').textContent].join('|')`)
		if want := strings.Join([]string{tc.lang, tc.dir, tc.subscribe, tc.programme, tc.agenda}, "|"); got != want {
			t.Errorf("%s page: lang|dir|headings = %q, want %q", tc.lang, got, want)
		}
		screenshot("subscribe-desktop-" + tc.lang + ".png")
		call("phone viewport", func() error { return chromedp.Do(bctx, viewport(390, 1300, true)) })
		openOn(shown.URL, "/?lang="+tc.lang)
		screenshot("subscribe-phone-" + tc.lang + ".png")
		if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("%s page on a 390px phone is %spx wide: it scrolls sideways", tc.lang, w)
		}
	}
	call("desktop viewport", func() error { return chromedp.Do(bctx, viewport(1280, 1500, false)) })

	// 2. Every subscribe button leads to its feed: the URL read back from
	// each client's link is the feed's, built here independently.
	for _, lang := range []string{"zh", "en"} {
		open("/?lang=" + lang)
		suffix := map[string]string{"zh": "", "en": "?lang=en"}[lang]
		feeds := map[string]string{
			"all-events":         ts.URL + "/calendar.ics" + suffix,
			"track-gender":       ts.URL + "/tracks/gender.ics" + suffix,
			"track-measurement":  ts.URL + "/tracks/measurement.ics" + suffix,
			"track-action-lines": ts.URL + "/tracks/action-lines.ics" + suffix,
		}
		lines := eval(`Array.from(document.querySelectorAll('details.feed .clients a.btn')).map(a =>
			a.closest('details.feed').id + ' ' + a.closest('li').classList[1] + ' ' + a.href).join('\n')`)
		seen := map[string]int{}
		for _, line := range strings.Split(lines, "\n") {
			parts := strings.SplitN(line, " ", 3)
			if len(parts) != 3 {
				t.Fatalf("%s: link line %q", lang, line)
			}
			feedID, client, href := parts[0], strings.TrimPrefix(parts[1], "client-"), parts[2]
			want, ok := feeds[feedID]
			if !ok {
				t.Errorf("%s: links for an unexpected feed %q", lang, feedID)
				continue
			}
			seen[feedID]++
			if got := feedOf(t, client, href); got != want {
				t.Errorf("%s: %s button of %s leads to feed %q, want %q (%s)", lang, client, feedID, got, want, href)
			}
		}
		for id := range feeds {
			if seen[id] != 5 {
				t.Errorf("%s: %d client buttons for %s, want 5", lang, seen[id], id)
			}
		}
	}

	// 3. The copy button puts the feed's address on the clipboard.
	open("/?lang=en")
	call("unfolding the Gender feed", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender > summary`))) })
	call("clicking copy", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender button.copy`))) })
	call("waiting for the copy", func() error {
		_, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`document.querySelector('#track-gender button.copy').classList.contains('done')`, chromedp.WithPollingTimeout(5*time.Second)))
		return err
	})
	if got, want := eval(`navigator.clipboard.readText()`), ts.URL+"/tracks/gender.ics?lang=en"; got != want {
		t.Errorf("clipboard after copy = %q, want %q", got, want)
	}

	// 4. The reader's time follows the browser's zone: 13:15 in New York
	// on 14 December 2015 is 02:15 the next day in Shanghai, 10:15 in Los
	// Angeles.
	for _, tc := range []struct{ zone, want string }{
		{"Asia/Shanghai", "02:15–03:30"},
		{"America/Los_Angeles", "10:15–11:30"},
	} {
		setZone(tc.zone)
		open("/?lang=en")
		got := eval(`(() => { const r = document.querySelector('#event-action-lines-implementation .reader');
			return (r.hidden ? 'hidden ' : '') + r.querySelector('.reader-label').textContent + ' = ' + r.querySelector('.reader-time').textContent })()`)
		if !strings.HasPrefix(got, "Your time ("+tc.zone+") = "+tc.want) {
			t.Errorf("in %s the reader's time is %q, want it to start %q", tc.zone, got, tc.want)
		}
		local := eval(`document.querySelector('#event-action-lines-implementation .local .time').textContent`)
		if local != "13:15–14:30" {
			t.Errorf("in %s the event's own time is %q, want 13:15–14:30", tc.zone, local)
		}
		if tc.zone == "Asia/Shanghai" {
			call("phone viewport", func() error { return chromedp.Do(bctx, viewport(390, 1300, true)) })
			openOn(shown.URL, "/?lang=zh")
			eval(`document.getElementById('programme').scrollIntoView({behavior: 'instant'}), ''`)
			screenshot("subscribe-phone-zh-shanghai.png")
			call("desktop viewport", func() error { return chromedp.Do(bctx, viewport(1280, 1500, false)) })
		}
	}

	// 5. The personal agenda: ticking events gives one feed of them.
	setZone("America/New_York")
	open("/?lang=en")
	// None ticked, the hidden box's buttons lead to its section, not to a
	// feed of no event (a 400 that link checkers report).
	agendaHrefs := `Array.from(document.querySelectorAll('#agenda .clients a.btn')).map(a => a.getAttribute('href')).join(' ')`
	if got, want := eval(agendaHrefs), strings.TrimSpace(strings.Repeat("#agenda ", 5)); got != want {
		t.Errorf("the empty agenda's buttons lead to %q, want %q", got, want)
	}
	for _, id := range []string{"wsis10-hlm", "gem-tech-awards-2015"} {
		call("ticking "+id, func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.ID("pick-"+id))) })
	}
	agendaURL := ts.URL + "/calendar.ics?events=gem-tech-awards-2015,wsis10-hlm&lang=en"
	if got := eval(`document.querySelector('#agenda .agenda-count').textContent`); got != "2 events chosen" {
		t.Errorf("agenda count = %q", got)
	}
	lines := eval(`Array.from(document.querySelectorAll('#agenda .clients a.btn')).map(a =>
		a.closest('li').classList[1] + ' ' + a.href).join('\n')`)
	for _, line := range strings.Split(lines, "\n") {
		client, href, _ := strings.Cut(line, " ")
		if got := feedOf(t, strings.TrimPrefix(client, "client-"), href); got != agendaURL {
			t.Errorf("agenda %s button leads to %q, want %q", client, got, agendaURL)
		}
	}
	if got := eval(`document.querySelector('#agenda .agenda-feed').hidden ? 'hidden' : document.querySelector('#agenda input.feed-url').value`); got != agendaURL {
		t.Errorf("agenda address = %q, want %q", got, agendaURL)
	}
	eval(`document.getElementById('agenda').scrollIntoView({behavior: 'instant'}), ''`)
	screenshot("subscribe-agenda-en.png")
	for _, id := range []string{"wsis10-hlm", "gem-tech-awards-2015"} {
		call("unticking "+id, func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.ID("pick-"+id))) })
	}
	if got, want := eval(agendaHrefs), strings.TrimSpace(strings.Repeat("#agenda ", 5)); got != want {
		t.Errorf("the agenda's buttons, every event unticked, lead to %q, want %q", got, want)
	}

	// 6. "Add this event" downloads a calendar.
	downloads := t.TempDir()
	call("allowing downloads", func() error {
		_, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior:      browser.SetDownloadBehaviorBehaviorAllowAndName,
			DownloadPath:  downloads,
			EventsEnabled: new(true),
		})
		return err
	})
	dctx, cancelWait := context.WithTimeout(bctx, 15*time.Second)
	defer cancelWait()
	progress := chromedp.BrowserEvents(dctx, browser.DownloadProgress)
	call("clicking the .ics link", func() error {
		return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#event-action-lines-implementation a[download][href^="events/"]`)))
	})
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
	}
	ics, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the downloaded event: %v", err)
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:action-lines-implementation@wsis10\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(string(ics), want) {
			t.Errorf("the downloaded event lacks %q:\n%s", want, ics)
		}
	}

	// 7. Choosing a reminder rewrites that feed's links at once, and only
	// that feed's: Google, Outlook.com, Microsoft 365, Apple, the download,
	// the addresses shown and the copy button.
	open("/?lang=en")
	call("unfolding the Gender feed", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender > summary`))) })
	if got := eval(`document.querySelector('#track-gender .alarm button[type=submit]').hidden ? 'hidden' : 'shown'`); got != "hidden" {
		t.Errorf("with the script, the reminder's Apply button is %s", got)
	}
	choose := func(feed, value string) {
		t.Helper()
		// As a reader does: focus the list and move down to the choice
		// with the keyboard, which fires its change event.
		sel := "#" + feed + "-alarm"
		call("focusing "+sel, func() error { return chromedp.Do(bctx, chromedp.Focus(chromedp.CSS(sel))) })
		for range 8 {
			if eval(`document.querySelector('`+sel+`').value`) == value {
				return
			}
			call("pressing the down arrow", func() error { return chromedp.Do(bctx, chromedp.KeyEvent(kb.ArrowDown)) })
		}
		t.Fatalf("could not choose %q in %s", value, sel)
	}
	choose("track-gender", "1h")
	withAlarm := ts.URL + "/tracks/gender.ics?lang=en&alarm=1h"
	buttons := func(feed string) map[string]string {
		t.Helper()
		out := map[string]string{}
		lines := eval(`Array.from(document.querySelectorAll('#` + feed + ` .clients a.btn')).map(a =>
			a.closest('li').classList[1] + ' ' + a.href).join('\n')`)
		for _, line := range strings.Split(lines, "\n") {
			client, href, _ := strings.Cut(line, " ")
			client = strings.TrimPrefix(client, "client-")
			out[client] = feedOf(t, client, href)
		}
		return out
	}
	for client, got := range buttons("track-gender") {
		if got != withAlarm {
			t.Errorf("after choosing 1 hour, the Gender %s button leads to %q, want %q", client, got, withAlarm)
		}
	}
	if got := eval(`Array.from(document.querySelectorAll('#track-gender .feed-url')).map(e => e.value || e.textContent).filter(u => u !== '` + withAlarm + `').join(' ')`); got != "" {
		t.Errorf("after choosing 1 hour, Gender still shows %q", got)
	}
	for client, got := range buttons("all-events") {
		if want := ts.URL + "/calendar.ics?lang=en"; got != want {
			t.Errorf("choosing a reminder for Gender changed the all-events %s button to %q", client, got)
		}
	}
	call("waiting for the announcement", func() error {
		_, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent === 'Subscribe links updated: 1 hour before.'`, chromedp.WithPollingTimeout(5*time.Second)))
		return err
	})
	call("clicking copy", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender button.copy`))) })
	call("waiting for the copy", func() error {
		_, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`document.querySelector('#track-gender button.copy').classList.contains('done')`, chromedp.WithPollingTimeout(5*time.Second)))
		return err
	})
	if got := eval(`navigator.clipboard.readText()`); got != withAlarm {
		t.Errorf("clipboard after choosing 1 hour and copying = %q, want %q", got, withAlarm)
	}
	// The agenda has its own reminder, which further ticks keep.
	call("ticking an event", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.ID("pick-wsis10-hlm"))) })
	choose("agenda", "1d")
	call("ticking another", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.ID("pick-gem-tech-awards-2015"))) })
	for client, got := range buttons("agenda") {
		if want := ts.URL + "/calendar.ics?events=gem-tech-awards-2015,wsis10-hlm&lang=en&alarm=1d"; got != want {
			t.Errorf("agenda with a reminder: %s button leads to %q, want %q", client, got, want)
		}
	}
	// What a reader sees, on the public address.
	openOn(shown.URL, "/?lang=en")
	call("unfolding the Gender feed", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender > summary`))) })
	choose("track-gender", "1h")
	eval(`document.getElementById('track-gender').scrollIntoView({behavior: 'instant'}), ''`)
	screenshot("subscribe-alarm-en.png")
	call("phone viewport", func() error { return chromedp.Do(bctx, viewport(390, 1300, true)) })
	openOn(shown.URL, "/?lang=ar&alarm=1h&open=gender#track-gender")
	screenshot("subscribe-alarm-phone-ar.png")
	call("desktop viewport", func() error { return chromedp.Do(bctx, viewport(1280, 1500, false)) })

	// Data in the other direction from the page's runs its own way, its
	// block aligned with the page: the Chinese name on the Arabic page, an
	// Arabic calendar's name and description on the English page.
	openOn(shown.URL, "/?lang=ar")
	if got := eval(`getComputedStyle(document.querySelector('h1')).direction + ' ' + getComputedStyle(document.querySelector('h1')).textAlign`); got != "ltr right" {
		t.Errorf("the Chinese name on the Arabic page: %q, want ltr right", got)
	}
	openOn(as.URL, "/?lang=en")
	for _, sel := range []string{"h1", "p.lead"} {
		if got := eval(`getComputedStyle(document.querySelector('` + sel + `')).direction + ' ' + getComputedStyle(document.querySelector('` + sel + `')).textAlign`); got != "rtl left" {
			t.Errorf("the Arabic calendar's %s on the English page: %q, want rtl left", sel, got)
		}
	}

	// 8. Without JavaScript the reminder's form reloads the page with
	// ?alarm=, the Gender feed unfolded, every link of every feed carrying
	// the reminder.
	noScript := func(off bool) {
		t.Helper()
		call("scripts off", func() error {
			_, err := chromedp.Call(bctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
			return err
		})
	}
	noScript(true)
	open("/?lang=fr")
	call("unfolding the Gender feed", func() error { return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender > summary`))) })
	choose("track-gender", "30m")
	call("applying the reminder", func() error {
		return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#track-gender .alarm button[type=submit]`)))
	})
	// The page goes away under a query while it navigates: ask again.
	for deadline := time.Now().Add(5 * time.Second); ; {
		done, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`location.search.includes('alarm=30m') && document.readyState === 'complete'`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("without script, the reminder form did not load the page with ?alarm=30m (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, want := eval(`location.search + location.hash`), "?lang=fr&open=gender&alarm=30m#track-gender"; got != want {
		t.Errorf("without script, the reminder form goes to %q, want %q", got, want)
	}
	if got := eval(`document.getElementById('track-gender').open + ' ' + document.getElementById('track-gender-alarm').value`); got != "true 30m" {
		t.Errorf("without script, after choosing: Gender open and reminder = %q, want true 30m", got)
	}
	for feed, path := range map[string]string{"track-gender": "/tracks/gender.ics", "all-events": "/calendar.ics"} {
		for client, got := range buttons(feed) {
			// The page is in French; the data, and so the feeds, in the
			// calendar's default language: no ?lang=.
			if want := ts.URL + path + "?alarm=30m"; got != want {
				t.Errorf("without script, %s %s button leads to %q, want %q", feed, client, got, want)
			}
		}
	}
	eval(`document.getElementById('track-gender').scrollIntoView({behavior: 'instant'}), ''`)
	screenshot("subscribe-alarm-noscript-fr.png")
	noScript(false)

	// The index of a folder of calendars, in every language, on a phone
	// and a desktop: both calendars shown, nothing wider than the screen,
	// right to left in Arabic, and each card leads to its calendar's page.
	for _, lang := range web.IndexLanguages() {
		for _, phone := range []bool{false, true} {
			w, h := int64(1280), int64(900)
			if phone {
				w, h = 390, 844
			}
			call("viewport", func() error { return chromedp.Do(bctx, viewport(w, h, phone)) })
			openOn(fs.URL, "/?lang="+lang)
			if got := eval(`document.querySelectorAll('.calendar-card').length + ' ' + document.documentElement.dir`); got != "2 "+web.Direction(lang) {
				t.Errorf("index in %s: cards and direction %q", lang, got)
			}
			if got := eval(`String(document.documentElement.scrollWidth <= document.documentElement.clientWidth)`); got != "true" {
				t.Errorf("index in %s (phone %v) is wider than the screen", lang, phone)
			}
			if lang == "en" && !phone || lang == "ar" && phone {
				screenshot(fmt.Sprintf("index-%s-%s.png", map[bool]string{false: "desktop", true: "phone"}[phone], lang))
			}
		}
		call("following a card", func() error {
			return chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`#cal-wsis10 a`)))
		})
		want := fs.URL + "/wsis10/"
		if lang != "zh" {
			want += "?lang=" + lang
		}
		// The click starts a navigation; wait for it to land.
		for i := 0; i < 100 && (eval(`location.href`) != want || eval(`String(document.readyState === 'complete' && !!document.querySelector('h1'))`) != "true"); i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if got := eval(`location.href`); got != want || eval(`document.querySelector('h1').textContent`) == "" {
			t.Errorf("the %s index's card leads to %s, want %s", lang, got, want)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	t.Logf("browser test: %s; screenshots in %s", time.Since(start).Round(time.Millisecond), shots)
}

// feedOf reads the feed URL back out of a client's subscribe link.
func feedOf(t *testing.T, client, href string) string {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatalf("%s link %q: %v", client, href, err)
	}
	switch client {
	case "google":
		if u.Host != "calendar.google.com" {
			t.Errorf("google link %q is not Google Calendar's", href)
		}
		return u.Query().Get("cid")
	case "outlook", "office365":
		if u.Host != map[string]string{"outlook": "outlook.live.com", "office365": "outlook.office.com"}[client] || u.Path != "/calendar/0/addfromweb" {
			t.Errorf("%s link %q is not an addfromweb link", client, href)
		}
		return u.Query().Get("url")
	case "apple":
		if u.Scheme != "webcal" {
			t.Errorf("apple link %q is not webcal", href)
		}
		return "http" + strings.TrimPrefix(href, "webcal")
	default:
		return href
	}
}
