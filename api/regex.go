package api

import (
	"fmt"
	"regexp"
)

// CompileRegex compiles an OpenSIPS regular expression: POSIX extended,
// case-insensitive, leftmost-longest. newline selects REG_NEWLINE (used by
// function arguments such as search()): "^" and "$" then also match at line
// breaks and "." does not match a newline. The "=~" operator compiles
// without it.
func CompileRegex(pattern string, newline bool) (*regexp.Regexp, error) {
	flags := "(?is)"
	if newline {
		flags = "(?im)"
	}
	re, err := regexp.Compile(flags + pattern)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", pattern, unwrapSyntax(err))
	}
	re.Longest()
	return re, nil
}

// unwrapSyntax drops the Go-specific "error parsing regexp:" prefix.
func unwrapSyntax(err error) error {
	type causer interface{ Unwrap() error }
	if c, ok := err.(causer); ok && c.Unwrap() != nil {
		return c.Unwrap()
	}
	return err
}
