package api

import (
	"context"
	"log/slog"
)

// Ctx is the per-message execution context handed to script functions (the
// counterpart of OpenSIPS' sip_msg plus the route globals). The runtime owns
// and pools it; functions must not keep it after they return.
type Ctx struct {
	Context   context.Context
	RouteType RouteType
	Log       *slog.Logger
	// Msg is the SIP message being processed (nil in startup/timer routes).
	Msg any
	// Priv is runtime-private state.
	Priv any
}
