package core

// The fixed integer types of core arguments are read by api.IntArg.

// ArgInt makes Flag an api.IntFixed.
func (f Flag) ArgInt() int64 { return int64(f) }

// ArgInt makes LogLevel an api.IntFixed.
func (l LogLevel) ArgInt() int64 { return int64(l) }

// ArgInt makes Q an api.IntFixed.
func (q Q) ArgInt() int64 { return int64(q) }
