package main

import (
	"bytes"
	"html"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"calfeed/internal/synth"
)

var linkRE = regexp.MustCompile(`(?:href|src|data-url|data-path)="([^"]*)"`)

// checkSite follows every link of every page of a static site in out, as a
// static host would answer it (no queries): each must reach a file of the
// site, and each feed a page links to must be in the page's data
// language. calName maps a page folder ("" or "en/") to the calendar name
// its feeds must carry.
func checkSite(t *testing.T, out, base string, calName map[string]string) {
	t.Helper()
	exists := func(rel string) bool {
		fi, err := os.Stat(filepath.Join(out, filepath.FromSlash(rel)))
		return err == nil && fi.Mode().IsRegular()
	}
	pages := 0
	for _, file := range builtFiles(t, out) {
		if !strings.HasSuffix(file, ".html") {
			continue
		}
		pages++
		body, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		dir := path.Dir(file)
		folder := ""
		if dir != "." {
			folder = dir + "/"
		}
		for _, m := range linkRE.FindAllSubmatch(body, -1) {
			link := html.UnescapeString(string(m[1]))
			var target string
			switch {
			case link == "" || strings.HasPrefix(link, "#") || strings.HasPrefix(link, "data:") || strings.HasPrefix(link, "mailto:"):
				continue
			case strings.HasPrefix(link, "?"):
				t.Errorf("%s: link %q needs a server", file, link)
				continue
			case strings.HasPrefix(link, base+"/"), strings.HasPrefix(link, "webcal://"+strings.TrimPrefix(base, "https://")+"/"):
				target = link[strings.Index(link, "//")+2+len(strings.TrimPrefix(base, "https://"))+1:]
			case strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "webcal://"):
				u, err := url.Parse(link)
				if err != nil {
					t.Errorf("%s: link %q: %v", file, link, err)
					continue
				}
				inner := u.Query().Get("cid") + u.Query().Get("url")
				if !strings.HasPrefix(inner, base+"/") {
					continue // another site's page (an event's own link)
				}
				target = strings.TrimPrefix(inner, base+"/")
			default:
				target = path.Clean(path.Join(dir, link))
			}
			if q := strings.IndexAny(target, "?#"); q >= 0 {
				if strings.Contains(target[q:], "lang=") || strings.Contains(target[q:], "alarm=") || strings.Contains(target[q:], "events=") {
					t.Errorf("%s: link %q asks a static host for a query", file, link)
				}
				target = target[:q]
			}
			if strings.HasSuffix(target, "/") {
				target += "index.html"
			}
			if !exists(target) {
				t.Errorf("%s: link %q leads to no file (%s)", file, link, target)
				continue
			}
			if strings.HasSuffix(target, ".ics") && !strings.HasPrefix(target, "events/") && !strings.Contains(target, "/events/") {
				feed, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(target)))
				want, ok := calName[folder]
				if ok && !bytes.Contains(feed, []byte("X-WR-CALNAME:"+want)) {
					t.Errorf("%s: the feed %s it links to is not in its language (want X-WR-CALNAME:%s…)", file, target, want)
				}
			}
		}
	}
	if pages == 0 {
		t.Fatal("no pages")
	}
}

// TestStaticSite: a static build holds every page in every language, each
// linking by path to files of the site, the English page to English feeds.
func TestStaticSite(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	const base = "https://calendar.example.org/wsis"
	out := build(t, "../../events.yaml", "-base-url", base)
	checkSite(t, out, base, map[string]string{
		"":    "WSIS+10 高级别会议及会外活动",
		"en/": "WSIS+10 High-Level Meeting and side events",
		"fr/": "WSIS+10 高级别会议及会外活动", // French words, Chinese data: the default
	})
	for _, lang := range []string{"ar", "en", "es", "fr", "ru"} {
		body, err := os.ReadFile(filepath.Join(out, lang, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, []byte(`<html lang="`+lang+`"`)) {
			t.Errorf("%s/index.html is not in %s", lang, lang)
		}
		for _, l := range []string{"../index.html", "../fr/index.html", "../en/index.html"} {
			if !bytes.Contains(body, []byte(`href="`+l+`"`)) && !(l == "../"+lang+"/index.html") {
				t.Errorf("%s/index.html does not link to %s", lang, l)
			}
		}
		if bytes.Contains(body, []byte(`id="agenda"`)) || bytes.Contains(body, []byte(`name="alarm"`)) {
			t.Errorf("%s/index.html offers what needs a server (agenda, reminders)", lang)
		}
	}
}

// TestStaticSitePaged: a programme of several pages is written as several
// files, linked to each other.
func TestStaticSitePaged(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	cfg := filepath.Join(t.TempDir(), "events.yaml")
	f, err := os.Create(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.Write(f, synth.Options{Events: 200, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	const base = "https://cal.example.org"
	out := build(t, cfg, "-base-url", base)
	for _, want := range []string{"page-2.html", "en/page-2.html", "ar/page-2.html"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("no %s", want)
		}
	}
	checkSite(t, out, base, nil)
}
