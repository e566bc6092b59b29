package cfgutils

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
)

// hashFile returns the MD5 of a file in hex, as OpenSIPS' config hash.
func hashFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:]), nil
}
