package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
)

// TestUnstampedInOrder: the events a lock does not record (changed since,
// new, and those it records that are gone) are listed sorted by id,
// whatever the file's order, as the hashes are compared on several
// processors; /healthz shows the first of that list and its length.
func TestUnstampedInOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // four lists to merge
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1200
	var b strings.Builder
	b.WriteString("calendar:\n  id: order\n  name: Order\n  timezone: Europe/Zurich\nevents:\n")
	for _, i := range rng.Perm(n) { // e-1, e-10, e-100, ...: not the file's order
		fmt.Fprintf(&b, "  - id: e-%d\n    title: Event %d\n    start: 2030-05-02 09:00\n    end: 2030-05-02 10:00\n", i, i)
	}
	cal := loadCalendar(t, b.String())
	hashes := stampHashes(t, cal)
	revisions := map[string]calendar.Revision{}
	var want []string
	for _, e := range cal.Events {
		switch rng.IntN(4) {
		case 0: // new since the lock
			want = append(want, e.ID)
		case 1: // changed since
			revisions[e.ID] = calendar.Revision{Hash: "sha256:0"}
			want = append(want, e.ID)
		default:
			revisions[e.ID] = calendar.Revision{Hash: hashes[e.ID]}
		}
	}
	for _, id := range []string{"gone-2", "a-gone", "e-5000", "zz"} {
		revisions[id] = calendar.Revision{Hash: "sha256:1"}
		want = append(want, id)
	}
	slices.Sort(want)
	locked, err := calendar.Load("order.yaml", strings.NewReader(b.String()), calendar.Options{History: func() *calendar.History { return &calendar.History{Revisions: revisions} }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(locked, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, s.Unstamped()); diff != "" {
		t.Errorf("Unstamped (-want +got):\n%s", diff)
	}
	var h struct {
		Unstamped      []string `json:"unstamped"`
		UnstampedTotal int      `json:"unstamped_total"`
	}
	if err := json.Unmarshal(get(t, s, "/healthz", nil).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if h.UnstampedTotal != len(want) || !slices.Equal(h.Unstamped, want[:maxHealthUnstamped]) {
		t.Errorf("/healthz: unstamped %v (%d), want %v (%d)", h.Unstamped, h.UnstampedTotal, want[:maxHealthUnstamped], len(want))
	}

	// Without a lock, every event is unstamped.
	s, err = New(cal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]string, 0, n)
	for _, e := range cal.Events {
		all = append(all, e.ID)
	}
	slices.Sort(all)
	if diff := cmp.Diff(all, s.Unstamped()); diff != "" {
		t.Errorf("Unstamped without a lock (-want +got):\n%s", diff)
	}
}

// TestMergeSorted: sorted lists of distinct strings, merged.
func TestMergeSorted(t *testing.T) {
	for _, tc := range []struct {
		lists [][]string
		want  []string
	}{
		{nil, nil},
		{[][]string{nil, {}}, nil},
		{[][]string{{"a", "c"}}, []string{"a", "c"}},
		{[][]string{{"b", "d", "f"}, {"a", "c", "e", "g", "h"}}, []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{[][]string{{"m"}, nil, {"a", "z"}, {"b"}}, []string{"a", "b", "m", "z"}},
	} {
		if got := mergeSorted(slices.Clone(tc.lists)...); !slices.Equal(got, tc.want) {
			t.Errorf("mergeSorted(%q) = %q, want %q", tc.lists, got, tc.want)
		}
	}
	// One list given: a copy, not the caller's (which it may change).
	own := []string{"a", "b"}
	got := mergeSorted(own, nil)
	own[0] = "z"
	if got[0] != "a" {
		t.Errorf("mergeSorted of one list returned that list")
	}
	// Lists of ids dealt out at random to 1 to 9 lists, each sorted.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		var all []string
		lists := make([][]string, 1+rng.IntN(9))
		for i := range 1 + rng.IntN(500) {
			id := fmt.Sprintf("id-%d", i)
			all = append(all, id)
			k := rng.IntN(len(lists))
			lists[k] = append(lists[k], id)
		}
		for _, l := range lists {
			slices.Sort(l)
		}
		slices.Sort(all)
		if got := mergeSorted(lists...); !slices.Equal(got, all) {
			t.Fatalf("mergeSorted of %d lists: %d ids, want %d sorted", len(lists), len(got), len(all))
		}
	}
}
