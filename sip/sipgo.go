package sip

import (
	"fmt"

	sipgo "github.com/emiago/sipgo/sip"
)

// The hot path (parse, header access, edits, serialisation) is our own; see
// the package documentation for the measurements. These adapters let code
// that wants sipgo's typed model (a UAC client, dialogs) convert at the
// edges.

// ToSipgo converts a message (with pending edits applied) to sipgo's model.
func ToSipgo(m *Msg) (sipgo.Message, error) {
	sm, err := sipgo.ParseMessage(m.Bytes())
	if err != nil {
		return nil, fmt.Errorf("convert to sipgo: %w", err)
	}
	return sm, nil
}

// FromSipgo converts a sipgo message.
func FromSipgo(sm sipgo.Message) (*Msg, error) {
	m, err := ParseString(sm.String())
	if err != nil {
		return nil, fmt.Errorf("convert from sipgo: %w", err)
	}
	return m, nil
}
