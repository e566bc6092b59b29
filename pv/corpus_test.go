package pv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/testenv"
	"gosips/lang/diag"
)

// corpusDir finds ../shared/corpus next to the repository root.
func corpusDir(t *testing.T) string {
	t.Helper()
	return testenv.Corpus(t)
}

// pvTokens extracts the PV tokens (§3.7) and the double-quoted strings of
// a config, skipping # comments.
func pvTokens(src string) (tokens, strs []string) {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j > len(src) {
				j = len(src)
			}
			// Only xlog strings are surely formats (regex literals are not).
			if strings.Contains(src[max(0, i-24):i], "xlog(") {
				strs = append(strs, src[i+1:j])
			}
			i = j
		case '$':
			j, depth := i+1, 0
			for ; j < len(src); j++ {
				ch := src[j]
				if ch == '(' {
					depth++
				} else if ch == ')' {
					if depth == 0 {
						break
					}
					depth--
					if depth == 0 {
						j++
						break
					}
				} else if depth == 0 && strings.IndexByte(" \t\r\n;,=!<>+-*/%&|^~)", ch) >= 0 {
					break
				}
			}
			tokens = append(tokens, src[i:j])
			i = j - 1
		}
	}
	return tokens, strs
}

func TestModernCorpusPVs(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "modern", "*.cfg"))
	tab := NewTable(CoreDefs())
	tab.Add([]Def{{Name: "json", Inner: NeedInner, Writable: true}})
	nTok, nStr := 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tokens, strs := pvTokens(string(src))
		for _, tok := range tokens {
			nTok++
			s, err := Parse(tok)
			if err == nil {
				err = tab.Resolve(s)
			}
			var pe *Error
			if errors.As(err, &pe) && pe.Code == diag.CodeNotImplemented {
				continue // listed in modules/all/testdata/not-implemented.txt
			}
			if err != nil && !strings.Contains(err.Error(), "unknown variable") {
				t.Errorf("%s: %s: %v", filepath.Base(file), tok, err)
			}
		}
		for _, str := range strs {
			if !strings.Contains(str, "$") {
				continue
			}
			nStr++
			if _, err := ParseFormat(str); err != nil {
				t.Errorf("%s: %q: %v", filepath.Base(file), str, err)
			}
		}
	}
	if nTok == 0 {
		t.Fatal("no PV found in the modern corpus")
	}
	t.Logf("%d files, %d PV tokens, %d formats", len(files), nTok, nStr)
}

// TestCorpusPVsEvaluate reads every core PV of the modern corpus against a
// request and a reply: none may panic, and only the PVs still pinned in
// TestCoreDefsImplemented may be missing a getter.
func TestCorpusPVsEvaluate(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "modern", "*.cfg"))
	tab := NewTable(CoreDefs())
	req, _ := msgCtx(t, inviteMsg)
	rpl, _ := msgCtx(t, replyMsg)
	n := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tokens, _ := pvTokens(string(src))
		for _, tok := range tokens {
			s, err := Parse(tok)
			if err != nil || tab.Resolve(s) != nil || s.Def.Module != "" || s.Context != "" {
				continue
			}
			for _, c := range []*api.Ctx{req, rpl} {
				n++
				if _, err := s.Get(c); errors.Is(err, ErrNotImplemented) && !strings.HasPrefix(s.Name, "sdp") {
					t.Errorf("%s: %s: %v", filepath.Base(file), tok, err)
				}
			}
		}
	}
	t.Logf("%d reads", n)
}
