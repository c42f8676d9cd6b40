package sqlstore

// Groups returns the number of append transactions the store has committed.
func (s *Store) Groups() int64 { return s.groups.Load() }
