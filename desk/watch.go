package desk

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"liaison"
)

// watch is what Tick knows of the duties, read from the store a little at
// a time: each Tick reads only the duties and changes written since the
// last. It is rebuilt from the whole store by a new Desk's first Tick.
//
// A cursor is sound because a reader always sees a prefix of the log:
// once List has returned a kind's records up to index i, no record of that
// kind below i can appear later.
type watch struct {
	mu sync.Mutex
	// nextDuty and nextChange are where the next reads start: every duty
	// (duty change) with a smaller index has been read.
	nextDuty, nextChange int64
	// live holds the duties Tick may still act on: with a deadline, and
	// open or overdue. Done and escalated duties are dropped for good.
	live map[string]*watched
	// waiting holds the duties whose clock has not started: a change
	// that starts it (with a due time) makes them live.
	waiting map[string]liaison.DutyRecord
	// queue orders live by when each is next due for a change.
	queue queue
	// escalated holds the escalated duties with a deadline: Tick is done
	// with them, but the queue shows them (DueDuties) until a change ends
	// them.
	escalated map[string]Duty
	// early holds the latest change of each duty not in live, read in the
	// last Tick, whose duty may not have been read yet: a duty and its
	// change appended between the reads of duties and of changes. The next
	// read of duties, which starts after those changes were written, reads
	// any such duty, which takes its change; what is left then belongs to
	// duties Tick has read and ignores, and is dropped.
	early map[string]liaison.DutyChangeRecord
}

// watched is a live duty with its place in the queue.
type watched struct {
	Duty
	// next is when Tick should look at the duty again: its deadline while
	// open, EscalateAfter past the change while overdue.
	next time.Time
	pos  int
}

// read brings w up to date with the store: duties first, so that a
// change is read no earlier than its duty unless both are new (see early).
// On error, w keeps what it read; the next call goes on from there.
func (w *watch) read(ctx context.Context, s liaison.Store, escalateAfter time.Duration) error {
	if w.live == nil {
		w.live, w.early, w.waiting = map[string]*watched{}, map[string]liaison.DutyChangeRecord{}, map[string]liaison.DutyRecord{}
		w.escalated = map[string]Duty{}
	}
	var err error
	w.nextDuty, err = liaison.Each(ctx, s, liaison.Filter{Kind: liaison.KindDuty}, w.nextDuty,
		func(du liaison.DutyRecord, _ int64) { w.addDuty(du, escalateAfter) })
	if err != nil {
		return err
	}
	clear(w.early)
	w.nextChange, err = liaison.Each(ctx, s, liaison.Filter{Kind: liaison.KindDutyChange}, w.nextChange,
		func(c liaison.DutyChangeRecord, index int64) { w.change(c, index, escalateAfter) })
	return err
}

// addDuty takes a newly read duty, with its change if one came early.
func (w *watch) addDuty(du liaison.DutyRecord, escalateAfter time.Duration) {
	c, early := w.early[du.ID]
	delete(w.early, du.ID)
	wd := &watched{Duty: Duty{DutyRecord: du, Changed: du.At}}
	if early {
		applyChange(&wd.Duty, &c)
	}
	if wd.Status == liaison.DutyWaiting {
		w.waiting[du.ID] = du
		return
	}
	if wd.Due != nil && wd.Status == liaison.DutyEscalated {
		w.escalated[du.ID] = wd.Duty
	}
	if wd.Due == nil || wd.Status != liaison.DutyOpen && wd.Status != liaison.DutyOverdue {
		return
	}
	w.live[du.ID] = wd
	wd.next = wd.nextLook(escalateAfter)
	heap.Push(&w.queue, wd)
}

// change takes a newly read change of a duty.
func (w *watch) change(c liaison.DutyChangeRecord, index int64, escalateAfter time.Duration) {
	if du, ok := w.waiting[c.Duty]; ok {
		delete(w.waiting, c.Duty)
		w.early[c.Duty] = c
		w.addDuty(du, escalateAfter) // with its change, as if it came early
		return
	}
	if ed, ok := w.escalated[c.Duty]; ok {
		// Tick is done with it; the queue shows it until a change ends it.
		applyChange(&ed, &c)
		if ed.Status == liaison.DutyEscalated {
			w.escalated[c.Duty] = ed
		} else {
			delete(w.escalated, c.Duty)
		}
		return
	}
	wd, ok := w.live[c.Duty]
	switch {
	case !ok && index >= w.nextDuty:
		// The duty, whose index is below the change's, may be unread.
		w.early[c.Duty] = c
	case !ok:
		// The duty was read, and Tick ignores it.
	case c.Status == liaison.DutyOpen || c.Status == liaison.DutyOverdue:
		wd.Status, wd.Changed = c.Status, c.At
		wd.next = wd.nextLook(escalateAfter)
		heap.Fix(&w.queue, wd.pos)
	default:
		delete(w.live, c.Duty)
		heap.Remove(&w.queue, wd.pos)
		if c.Status == liaison.DutyEscalated {
			ed := wd.Duty
			applyChange(&ed, &c)
			w.escalated[c.Duty] = ed
		}
	}
}

// due takes from the queue the duties due for a look at now.
func (w *watch) due(now time.Time) []*watched {
	var out []*watched
	for len(w.queue) > 0 && !w.queue[0].next.After(now) {
		out = append(out, heap.Pop(&w.queue).(*watched))
	}
	return out
}

// requeue puts back the duties due took.
func (w *watch) requeue(due []*watched) {
	for _, wd := range due {
		heap.Push(&w.queue, wd)
	}
}

// nextLook returns when the duty is next due for a change (see Tick).
func (wd *watched) nextLook(escalateAfter time.Duration) time.Time {
	if wd.Status == liaison.DutyOverdue {
		return wd.Changed.Add(escalateAfter)
	}
	return *wd.Due
}

// queue is a heap of live duties, soonest next first.
type queue []*watched

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].pos, q[j].pos = i, j
}
func (q *queue) Push(x any) {
	wd := x.(*watched)
	wd.pos = len(*q)
	*q = append(*q, wd)
}
func (q *queue) Pop() any {
	old := *q
	wd := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return wd
}
