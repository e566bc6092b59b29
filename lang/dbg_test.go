package lang
import ("testing";"os";"path/filepath";"time";"fmt";"math/rand")
func TestDbg(t *testing.T){
	seeds, _ := filepath.Glob("../testdata/parse/*")
	var corpus [][]byte
	for _, p := range seeds { b, _ := os.ReadFile(p); corpus = append(corpus, b) }
	r := rand.New(rand.NewSource(1))
	alpha := []byte("(){}[];,$\"'#/*\n =!<>&|+-~:.0123456789abcxyz\\`\xe2\x80\x9c")
	deadline := time.Now().Add(40*time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		b := append([]byte(nil), corpus[r.Intn(len(corpus))]...)
		for k := r.Intn(8); k >= 0; k-- {
			if len(b) == 0 { break }
			i := r.Intn(len(b))
			switch r.Intn(3) {
			case 0: b[i] = alpha[r.Intn(len(alpha))]
			case 1: b = append(b[:i], b[i+1:]...)
			case 2: j := r.Intn(len(b)); if j > i { b = append(b[:i], b[j:]...) }
			}
		}
		for _, len := range []bool{false, true} {
			done := make(chan bool)
			go func(){ Parse("f", b, Options{AllErrors:true, Lenient: len}); close(done) }()
			select { case <-done: case <-time.After(3*time.Second): os.WriteFile("/tmp/hang.cfg", b, 0644); fmt.Printf("HANG lenient=%v after %d\n", len, n); return }
		}
	}
}
