package text_test

import (
	"context"
	"testing"

	"gosips/db"
	"gosips/db/dbtest"
	_ "gosips/db/text"
)

func openTemp(t *testing.T) db.Conn {
	t.Helper()
	c, err := db.Open(context.Background(), "text://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) { dbtest.Run(t, openTemp) }
