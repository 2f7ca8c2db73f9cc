package loop

import "testing"

// BenchmarkRecoverCost: the cost of running queued functions under the loop's
// panic recovery (one deferred recover per batch) against the bare loop the
// loop ran before, per function, for a batch of 1 and of 16.
//
//	go test -run '^$' -bench RecoverCost ./loop
func BenchmarkRecoverCost(b *testing.B) {
	l := newLoop(&Server{}, 0)
	n := 0
	fn := func() { n++ }
	for _, size := range []int{1, 16} {
		q := make([]task, size)
		fill := func() {
			for i := range q {
				q[i] = task{fn, nil}
			}
		}
		b.Run("bare/"+itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fill()
				for i, t := range q {
					q[i] = task{}
					t.fn()
				}
			}
		})
		b.Run("guarded/"+itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fill()
				l.runTasks(q)
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
