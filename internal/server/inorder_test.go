package server

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// jobsFor makes n jobs that return their index after a random pause,
// counting how many start and how many run at once.
func jobsFor(n int, started, running, most *atomic.Int32, fail int) []func() (int, error) {
	jobs := make([]func() (int, error), n)
	for i := range jobs {
		jobs[i] = func() (int, error) {
			started.Add(1)
			r := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			if i == fail {
				return 0, errors.New("job failed")
			}
			return i, nil
		}
	}
	return jobs
}

// TestInOrder: results come out in the order of the jobs, however the
// jobs finish, with as many running at once as there are workers, never
// more.
func TestInOrder(t *testing.T) {
	var started, running, most atomic.Int32
	var got []int
	err := inOrder(context.Background(), 4, jobsFor(200, &started, &running, &most, -1), func(i int) error {
		got = append(got, i)
		return nil
	})
	if err != nil {
		t.Fatalf("inOrder: %v", err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("result %d is job %d's: out of order (%v)", i, v, got)
		}
	}
	if len(got) != 200 {
		t.Errorf("%d results, want 200", len(got))
	}
	if m := most.Load(); m < 2 || m > 4 {
		t.Errorf("%d jobs ran at once, want 2 to 4 (the workers)", m)
	}
}

// TestInOrderStops: a job's error, emit's or the context's ends it: what
// came before the failure is emitted, nothing after, no job is left
// running, and the jobs after it are not all started.
func TestInOrderStops(t *testing.T) {
	emitErr := errors.New("emit failed")
	for _, tc := range []struct {
		name     string
		fail     int // the job that fails, or -1
		emitFail int // the result emit refuses, or -1
		cancel   int // the result after which the context is cancelled, or -1
		want     error
		emitted  int
	}{
		{"job", 50, -1, -1, nil, 50},
		{"emit", -1, 50, -1, emitErr, 50},
		{"context", -1, -1, 49, context.Canceled, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var started, running, most atomic.Int32
			emitted := 0
			err := inOrder(ctx, 3, jobsFor(1000, &started, &running, &most, tc.fail), func(i int) error {
				if i == tc.emitFail {
					return emitErr
				}
				emitted++
				if i == tc.cancel {
					cancel()
				}
				return nil
			})
			switch {
			case err == nil:
				t.Fatal("inOrder returned no error")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("inOrder = %v, want %v", err, tc.want)
			case tc.want == nil && err.Error() != "job failed":
				t.Errorf("inOrder = %v, want the job's error", err)
			}
			if emitted != tc.emitted {
				t.Errorf("%d results emitted, want %d", emitted, tc.emitted)
			}
			if r := running.Load(); r != 0 {
				t.Errorf("%d jobs still running after inOrder returned", r)
			}
			// At most the waiting results and the running jobs beyond it.
			if s := started.Load(); s > 51+2*3+3 {
				t.Errorf("%d jobs started; it should have stopped soon after the 51st", s)
			}
		})
	}
}

// TestInOrderCancelled: with its context cancelled already, no job
// starts; cancelled while a job is slow, no job starts once the cancel is
// seen, and none is left running.
func TestInOrderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var started, running, most atomic.Int32
	err := inOrder(ctx, 3, jobsFor(40, &started, &running, &most, -1), func(int) error {
		t.Error("a result was emitted with the context cancelled")
		return nil
	})
	if !errors.Is(err, context.Canceled) || started.Load() != 0 {
		t.Errorf("inOrder = %v with %d jobs started, want context.Canceled and none", err, started.Load())
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var afterCancel atomic.Int32
	var cancelled atomic.Bool
	jobs := make([]func() (int, error), 1000)
	for i := range jobs {
		jobs[i] = func() (int, error) {
			if cancelled.Load() {
				afterCancel.Add(1)
			}
			if i == 0 {
				time.Sleep(50 * time.Millisecond)
			}
			return i, nil
		}
	}
	time.AfterFunc(10*time.Millisecond, func() { cancelled.Store(true); cancel() })
	if err := inOrder(ctx, 3, jobs, func(int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("inOrder = %v, want context.Canceled", err)
	}
	if n := afterCancel.Load(); n > 1 {
		t.Errorf("%d jobs started after the context was cancelled", n)
	}
}
