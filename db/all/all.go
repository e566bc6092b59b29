// Package all links in every database driver gosips has.
package all

import (
	_ "gosips/db/mysql"
	_ "gosips/db/postgres"
	_ "gosips/db/sqlite"
	_ "gosips/db/text"
)
