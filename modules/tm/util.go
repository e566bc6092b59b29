package tm

import (
	"fmt"

	"gosips/api"
	"gosips/lang/diag"
)

func unknown(what, got string, candidates []string) error {
	if h := diag.DidYouMean(got, candidates); h != "" {
		return fmt.Errorf("unknown %s %q (%s)", what, got, h)
	}
	return fmt.Errorf("unknown %s %q", what, got)
}

func warn(fc *api.FixupCtx, msg, hint string) {
	if fc != nil && fc.Warn != nil {
		fc.Warn(msg, hint)
	}
}

func legacy(fc *api.FixupCtx, msg, modern string) {
	if fc != nil && fc.Legacy != nil {
		fc.Legacy(msg, modern)
	}
}
