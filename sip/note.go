package sip

// msgNote is one value a module attached to a message.
type msgNote struct {
	key, val any
}

// SetNote attaches v to the message under key (a value the calling module
// owns, compared with ==), replacing an earlier value. Notes live as long
// as the message, survive ApplyChanges and are not copied by Clone: they
// describe this message object, as OpenSIPS keeps state on the parsed
// message. Like the rest of Msg, notes are not safe for concurrent use.
func (m *Msg) SetNote(key, v any) {
	for i := range m.notes {
		if m.notes[i].key == key {
			m.notes[i].val = v
			return
		}
	}
	m.notes = append(m.notes, msgNote{key, v})
}

// Note returns the value attached under key, if any.
func (m *Msg) Note(key any) (any, bool) {
	for i := range m.notes {
		if m.notes[i].key == key {
			return m.notes[i].val, true
		}
	}
	return nil, false
}
