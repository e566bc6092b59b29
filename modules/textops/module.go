// Package textops searches and rewrites the raw message text with regular
// expressions and sed-like substitutions.
package textops

import "gosips/api"

func init() {
	api.Register(api.ModuleInfo{Name: "textops", Doc: "regex search and replace over the message",
		New: func() api.Module { return New() }})
}

// TextOps is one instance of the textops module; it has no parameters.
type TextOps struct {
	res resolver
}

// New returns a textops instance.
func New() *TextOps { return &TextOps{} }

// Params: textops has none.
func (t *TextOps) Params() []api.Param { return nil }

var _ api.Module = (*TextOps)(nil)
