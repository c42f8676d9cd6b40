package desk

// WatchSize returns how many duties Tick holds, and how many changes read
// before their duty.
func (d *Desk) WatchSize() (live, early int) {
	d.watch.mu.Lock()
	defer d.watch.mu.Unlock()
	return len(d.watch.live), len(d.watch.early)
}
