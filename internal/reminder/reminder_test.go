package reminder

import (
	"strings"
	"testing"
	"time"

	"calfeed/internal/locale"
)

func TestParse(t *testing.T) {
	for _, r := range All() {
		got, err := Parse(r.String())
		if err != nil || got != r {
			t.Errorf("Parse(%q) = %v, %v; want %v", r.String(), got, err, r)
		}
	}
	if r, err := Parse(""); err != nil || r != None {
		t.Errorf(`Parse("") = %v, %v; want None`, r, err)
	}
	for _, s := range []string{"10m", "1H", "60m", "24h", "1w", "-1h", "+1h", " 1h", "1"} {
		if _, err := Parse(s); err == nil || !strings.Contains(err.Error(), "15m, 30m, 1h or 1d") {
			t.Errorf("Parse(%q) = %v, want an error listing the accepted values", s, err)
		}
	}
	if Reminder(10*time.Minute).Valid() || !None.Valid() || !All()[2].Valid() {
		t.Error("Valid")
	}
}

func TestLabel(t *testing.T) {
	for lang, want := range map[string][]string{
		"en": {"15 minutes before", "30 minutes before", "1 hour before", "1 day before"},
		"fr": {"15 minutes avant", "30 minutes avant", "1 heure avant", "1 jour avant"},
		"es": {"15 minutos antes", "30 minutos antes", "1 hora antes", "1 día antes"},
		"ru": {"за 15 минут", "за 30 минут", "за 1 час", "за 1 день"},
		"ar": {"قبل 15 دقيقة", "قبل 30 دقيقة", "قبل ساعة واحدة", "قبل يوم واحد"},
		"zh": {"提前 15 分钟", "提前 30 分钟", "提前 1 小时", "提前 1 天"},
	} {
		var got []string
		for _, r := range All() {
			got = append(got, r.Label(locale.For(lang)))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s labels %q, want %q", lang, got, want)
		}
	}
	if got := Reminder(2 * time.Hour).Label(locale.For("ru")); got != "за 2 часа" {
		t.Errorf("ru 2h: %q", got)
	}
	if got := None.Label(locale.For("en")); got != "No reminder" {
		t.Errorf("None: %q", got)
	}
	if All()[3].Minutes() != 1440 || All()[0].Minutes() != 15 {
		t.Error("Minutes")
	}
}
