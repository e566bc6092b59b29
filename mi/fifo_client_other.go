//go:build !unix

package mi

import (
	"context"
	"encoding/json"
	"errors"
)

// CallFIFO reports that named pipes are not supported.
func CallFIFO(ctx context.Context, fifo, replyDir, method string, params any) (json.RawMessage, error) {
	return nil, errors.New("mi fifo: named pipes are not supported on this system")
}
