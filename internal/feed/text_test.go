package feed

import (
	"strings"
	"testing"
)

// textSamples are texts as appendText meets them: Chinese, English, mixed,
// with escapes, and invalid UTF-8.
var textSamples = map[string]string{
	"zh":      "大会全部议程，包括全体会议、分组讨论、边会和线上活动；时间均为各活动所在地当地时间。",
	"en":      "Every session of the conference: plenaries, breakouts, side events and online sessions; times are local to each venue.",
	"mixed":   "技术促进性别平等与主流化（GEM-TECH）2015 年奖 Award, Geneva; Room A\nمرحبا 😀",
	"long":    strings.Repeat("信息社会世界峰会 WSIS+10 高级别活动。", 40),
	"invalid": "\xff\xfe invalid \xed\xa0\x80 and 中文",
}

func BenchmarkAppendText(b *testing.B) {
	for _, name := range []string{"zh", "en", "mixed", "long", "invalid"} {
		s := textSamples[name]
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 4*len(s))
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				buf = appendText(buf[:0], s)
			}
		})
	}
}

// TestAppendTextReference holds appendText, one pass that checks UTF-8 as
// it escapes, to its definition: text, then escaping. It tries every
// sequence of up to three bytes (four after 0xf0 and up) drawn from the
// bytes where UTF-8's rules change (ASCII, controls, continuation bytes,
// the first bytes of each length, overlong and surrogate starts, bytes
// never valid): alone, between ASCII, between Chinese characters and
// before a character cut short; then the samples of BenchmarkAppendText.
func TestAppendTextReference(t *testing.T) {
	edges := []byte{
		0x00, 0x09, 0x0a, 0x0d, 0x1f, ' ', ',', ';', '\\', 'a', 0x7f,
		0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, // continuation bytes
		0xc0, 0xc1, 0xc2, 0xdf, // 0xc0, 0xc1: overlong
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, // 0xe0: overlong below 0xa0; 0xed: surrogates above 0x9f
		0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff, // 0xf4: past U+10FFFF above 0x8f
	}
	check := func(s string) {
		t.Helper()
		want := string(appendEscaped(nil, text(s)))
		if got := string(appendText([]byte("prefix"), s)); got != "prefix"+want {
			t.Fatalf("appendText(%q) = %q, want %q", s, got[len("prefix"):], want)
		}
	}
	var seq []byte
	var walk func(depth int)
	walk = func(depth int) {
		if depth == 4 {
			check(string(seq))
		} else if depth > 0 {
			for _, s := range []string{string(seq), "a" + string(seq) + "b", "会" + string(seq) + "议", string(seq) + "\xe4\xbc"} {
				check(s)
			}
		}
		if depth == 3 && seq[0] < 0xf0 || depth == 4 {
			return // four bytes only after a four-byte sequence's first
		}
		for _, c := range edges {
			seq = append(seq, c)
			walk(depth + 1)
			seq = seq[:len(seq)-1]
		}
	}
	walk(0)
	for _, s := range textSamples {
		check(s)
	}
	check("")
}

// FuzzAppendText holds appendText to text and escaping on any string.
//
//	go test ./internal/feed -run '^$' -fuzz FuzzAppendText -fuzztime 5m
func FuzzAppendText(f *testing.F) {
	for _, s := range textSamples {
		f.Add(s)
	}
	f.Add("\xed\xa0\x80\xf4\x90\x80\x80\xe0\x80\xaf\xc2\x85\r\n\r")
	f.Fuzz(func(t *testing.T, s string) {
		want := string(appendEscaped(nil, text(s)))
		if got := string(appendText(nil, s)); got != want {
			t.Fatalf("appendText(%q) = %q, want %q", s, got, want)
		}
	})
}
