package dialog

import "gosips/api"

// CheckCreateFlags implements api.DialogFlagChecker.
func (m *Module) CheckCreateFlags(flags string) error {
	_, err := createFlags(flags)
	return err
}

var _ api.DialogFlagChecker = (*Module)(nil)
