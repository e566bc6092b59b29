// Command testsummary reads `go test -json` on stdin and prints, per
// package, how many tests ran, passed, failed and were skipped, the output
// of every failure and the reason of every skip. It exits non-zero when a
// test or a build failed, or when a test skipped without an entry in the
// allow-list (-allow FILE).
//
// An allow-list line is `package test reason`: package is the import path,
// test the name of a test (its subtests included) or a path.Match pattern
// such as `Test*Oracle`; the reason is required.
// Blank lines and lines starting with # are ignored.
//
//	go test -json ./... | go run ./internal/testsummary -allow .ci/allowed-skips
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"text/tabwriter"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Elapsed    float64
	Output     string
	// FailedBuild names the build-output of the package a failed
	// package event could not build.
	FailedBuild string
}

type key struct{ pkg, test string }

type pkgStats struct {
	run, pass, fail, skip int
	elapsed               float64
	failed, noTests       bool
}

// allowEntry is one allowed skip.
type allowEntry struct{ pkg, test, reason string }

func main() {
	allowFile := flag.String("allow", "", "file listing the skips allowed, one `package test reason` a line")
	flag.Parse()
	var allow []allowEntry
	if *allowFile != "" {
		var err error
		if allow, err = readAllow(*allowFile); err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(2)
		}
	}
	ok, err := summarise(os.Stdin, os.Stdout, allow)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func readAllow(path string) ([]allowEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read allow-list: %w", err)
	}
	var out []allowEntry
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want `package test reason`", path, i+1)
		}
		out = append(out, allowEntry{pkg: f[0], test: f[1], reason: strings.Join(f[2:], " ")})
	}
	return out, nil
}

func allowed(allow []allowEntry, pkg, test string) bool {
	for _, a := range allow {
		if a.pkg != pkg {
			continue
		}
		top, _, _ := strings.Cut(test, "/")
		if m, _ := path.Match(a.test, test); m {
			return true
		}
		if m, _ := path.Match(a.test, top); m {
			return true
		}
	}
	return false
}

// summarise reads the events from r and writes the report to w; ok is
// false when something failed or skipped without permission.
func summarise(r io.Reader, w io.Writer, allow []allowEntry) (ok bool, err error) {
	stats := map[string]*pkgStats{}
	failedBuild := map[string]string{}
	output := map[key]*strings.Builder{}
	build := map[string]*strings.Builder{}
	var failures, skips, badSkips []key
	get := func(pkg string) *pkgStats {
		s := stats[pkg]
		if s == nil {
			s = &pkgStats{}
			stats[pkg] = s
		}
		return s
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// go test prints some errors (e.g. a bad flag) as plain text.
			fmt.Fprintln(w, string(line))
			continue
		}
		switch e.Action {
		case "build-output":
			b := build[e.ImportPath]
			if b == nil {
				b = &strings.Builder{}
				build[e.ImportPath] = b
			}
			b.WriteString(e.Output)
			continue
		case "build-fail":
			continue
		}
		s := get(e.Package)
		k := key{e.Package, e.Test}
		switch e.Action {
		case "run":
			s.run++
		case "output":
			b := output[k]
			if b == nil {
				b = &strings.Builder{}
				output[k] = b
			}
			b.WriteString(e.Output)
			if e.Test == "" && strings.HasPrefix(e.Output, "?") && strings.Contains(e.Output, "[no test files]") {
				s.noTests = true
			}
		case "pass":
			if e.Test == "" {
				s.elapsed = e.Elapsed
			} else {
				s.pass++
			}
		case "fail":
			if e.Test == "" {
				s.elapsed, s.failed = e.Elapsed, true
				if e.FailedBuild != "" {
					failedBuild[e.Package] = e.FailedBuild
				}
			} else {
				s.fail++
				failures = append(failures, k)
			}
		case "skip":
			if e.Test == "" {
				s.noTests = true
				continue
			}
			s.skip++
			skips = append(skips, k)
			if !allowed(allow, e.Package, e.Test) {
				badSkips = append(badSkips, k)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read go test -json: %w", err)
	}

	ok = true
	for _, k := range failures {
		ok = false
		fmt.Fprintf(w, "\n=== FAIL %s %s\n%s", k.pkg, k.test, text(output[k]))
	}
	pkgs := make([]string, 0, len(stats))
	for p := range stats {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		if s := stats[p]; s.failed {
			ok = false
			if s.fail == 0 { // a build failure, panic or timeout outside a test
				fmt.Fprintf(w, "\n=== FAIL %s\n%s%s", p, text(build[failedBuild[p]]), text(output[key{p, ""}]))
			}
		}
	}
	shown := map[string]bool{}
	for _, ip := range failedBuild {
		shown[ip] = true
	}
	for ip, b := range build {
		if !shown[ip] {
			ok = false
			fmt.Fprintf(w, "\n=== BUILD FAIL %s\n%s", ip, b.String())
		}
	}
	if len(skips) > 0 {
		fmt.Fprintf(w, "\nSkipped tests:\n")
		for _, k := range skips {
			mark := "allowed"
			if !allowed(allow, k.pkg, k.test) {
				mark = "NOT ALLOWED"
			}
			fmt.Fprintf(w, "  %s %s [%s]: %s\n", k.pkg, k.test, mark, skipReason(text(output[k])))
		}
	}

	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "package\trun\tpass\tfail\tskip\tseconds\t")
	var tot pkgStats
	for _, p := range pkgs {
		s := stats[p]
		if s.noTests && s.run == 0 {
			continue
		}
		status := ""
		if s.failed {
			status = " FAIL"
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%d\t%d\t%d\t%.1f\t\n", p, status, s.run, s.pass, s.fail, s.skip, s.elapsed)
		tot.run += s.run
		tot.pass += s.pass
		tot.fail += s.fail
		tot.skip += s.skip
		tot.elapsed += s.elapsed
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%.1f\t\n", tot.run, tot.pass, tot.fail, tot.skip, tot.elapsed)
	if err := tw.Flush(); err != nil {
		return false, err
	}
	if len(badSkips) > 0 {
		ok = false
		fmt.Fprintf(w, "\n%d skip(s) not in the allow-list; provide what they need or list them with a reason:\n", len(badSkips))
		for _, k := range badSkips {
			fmt.Fprintf(w, "  %s %s\n", k.pkg, k.test)
		}
	}
	if len(stats) == 0 && len(build) == 0 {
		return false, errors.New("no test events on stdin")
	}
	return ok, nil
}

func text(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	return b.String()
}

// skipReason picks the message of a skip out of the test's output.
func skipReason(out string) string {
	var msg []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		msg = append(msg, t)
	}
	return strings.Join(msg, " | ")
}
