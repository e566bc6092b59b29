package api

import "log/slog"

// OpenSIPS log levels beyond slog's four.
const (
	LevelAlert  = slog.Level(12)
	LevelCrit   = slog.Level(10)
	LevelNotice = slog.Level(2)
)

// SlogLevel maps an OpenSIPS log level (L_ALERT -3 ... L_DBG 4) to the
// slog level used for it.
func SlogLevel(l int) slog.Level {
	switch {
	case l <= -3:
		return LevelAlert
	case l == -2:
		return LevelCrit
	case l == -1:
		return slog.LevelError
	case l <= 1:
		return slog.LevelWarn
	case l == 2:
		return LevelNotice
	case l == 3:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
