// Package all links in every database driver gosips has.
package all

import (
	_ "gosips/db/sqlite"
	_ "gosips/db/text"
)
