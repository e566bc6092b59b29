package text

import "bytes"

// Check parses the content of a table file and returns the first error,
// as a load would report it.
func Check(content []byte) error {
	_, err := parse(bytes.NewReader(content))
	return err
}
