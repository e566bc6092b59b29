package mysql_test
import ("testing";"time";"os/exec";"strings";"gosips/db";"gosips/internal/dbserver")
func TestTmpHang(t *testing.T){
	for _, k := range []dbserver.Kind{dbserver.MySQL, dbserver.Postgres} {
	s := dbserver.Find(t, k)
	c, err := db.Open(ctx, s.URL)
	if err != nil { t.Fatal(err) }
	raw := c.(db.RawQuerier)
	if _, err := raw.RawQuery(ctx, "SELECT 1"); err != nil { t.Fatal(err) }
	user := map[dbserver.Kind]string{dbserver.MySQL: "mysql", dbserver.Postgres: "postgres"}[k]
	out, _ := exec.Command("pgrep", "-u", user).Output()
	pids := strings.Fields(string(out))
	exec.Command("kill", append([]string{"-STOP"}, pids...)...).Run()
	t0 := time.Now()
	_, err = raw.RawQuery(ctx, "SELECT 1")
	t.Logf("%s hung: %v after %v", k, err, time.Since(t0))
	_, err = c.Query(ctx, "version", nil, nil, "", 0)
	t.Logf("%s hung: %v after %v", k, err, time.Since(t0))
	exec.Command("kill", append([]string{"-CONT"}, pids...)...).Run()
	time.Sleep(200*time.Millisecond)
	_, err = raw.RawQuery(ctx, "SELECT 1")
	t.Logf("%s resumed: %v", k, err)
	c.Close()
	}
}
