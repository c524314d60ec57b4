// re2_selection.go -- the oracle of tests/unit/kafka/fixtures/re2_selection.txt: danielqsj/kafka_exporter's
// topic and group selection, computed as it does (regexp.MustCompile of --topic.filter and --topic.exclude,
// a name kept when filter.MatchString(name) && !exclude.MatchString(name); defaults ".*" and "^$").
//
//	go run tests/tools/re2_selection.go FILE            exit 1 unless every row's selection is Go's (ctest runs this)
//	go run tests/tools/re2_selection.go -write FILE     rewrite the selections from Go
//	go run tests/tools/re2_selection.go -markdown FILE  the table of docs/metrics-kafka.md
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

type row struct {
	flag, pattern, from, kept string
}

func selection(names []string, r row) string {
	filter, exclude := ".*", "^$"
	if r.flag == "filter" {
		filter = r.pattern
	} else {
		exclude = r.pattern
	}
	f, err1 := regexp.Compile(filter)
	x, err2 := regexp.Compile(exclude)
	if err1 != nil || err2 != nil {
		return "!"
	}
	var kept []string
	for _, n := range names {
		if f.MatchString(n) && !x.MatchString(n) {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		return "-"
	}
	return strings.Join(kept, ",")
}

func describe(names []string, kept string) string {
	switch kept {
	case "!":
		return "refused at start (danielqsj: MustCompile panics; here: exit 2, the flag named)"
	case "-":
		return "none"
	}
	k := strings.Split(kept, ",")
	if len(k) == len(names) {
		return fmt.Sprintf("all %d", len(names))
	}
	in := map[string]bool{}
	for _, n := range k {
		in[n] = true
	}
	if len(k) > len(names)/2 {
		var out []string
		for _, n := range names {
			if !in[n] {
				out = append(out, "`"+n+"`")
			}
		}
		return fmt.Sprintf("%d: all but %s", len(k), strings.Join(out, ", "))
	}
	return fmt.Sprintf("%d: `%s`", len(k), strings.Join(k, "`, `"))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: re2_selection.go [-write|-markdown] FILE")
		os.Exit(2)
	}
	mode, path := "", os.Args[len(os.Args)-1]
	if len(os.Args) == 3 {
		mode = os.Args[1]
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var names []string
	for _, l := range lines {
		if f := strings.Split(l, "\t"); f[0] == "name" {
			names = append(names, f[1])
		}
	}
	bad := 0
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if f[0] != "row" {
			continue
		}
		if len(f) != 5 {
			fmt.Fprintf(os.Stderr, "%s:%d: want 5 fields\n", path, i+1)
			os.Exit(2)
		}
		r := row{f[1], f[2], f[3], f[4]}
		got := selection(names, r)
		switch mode {
		case "-write":
			lines[i] = strings.Join([]string{"row", r.flag, r.pattern, r.from, got}, "\t")
		case "-markdown":
			fmt.Printf("| `--*.%s` | `%s` | %s | %s |\n", r.flag, strings.ReplaceAll(r.pattern, "|", "\\|"), r.from,
				describe(names, got))
		default:
			if got != r.kept {
				fmt.Printf("%s:%d: %q (%s): Go keeps %s, the file says %s\n", path, i+1, r.pattern, r.flag, got, r.kept)
				bad++
			}
		}
	}
	if mode == "-write" {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if bad > 0 {
		os.Exit(1)
	}
}
