package desk

// WatchSize returns how many duties Tick holds, and how many changes read
// before their duty.
func (d *Desk) WatchSize() (live, early int) {
	d.watch.mu.Lock()
	defer d.watch.mu.Unlock()
	return len(d.watch.live), len(d.watch.early)
}

// RecentCap and the recentKeys type, for the tests of package desk_test.
const RecentCap = recentCap

type RecentKeys = recentKeys

func (r *recentKeys) Has(key string) bool { return r.has(key) }
func (r *recentKeys) Add(key string)      { r.add(key) }
