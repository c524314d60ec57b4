// goregex_oracle.go -- checks tests/unit/lib/fixtures/goregex_cases.txt against Go's own regexp package:
// every expected 1/0 is what regexp.MatchString says, and every refused pattern ("!") is one Go refuses
// too or one lib/goregex.h names as having no POSIX equivalent. Run by hand after editing the cases:
//
//	go run tests/tools/goregex_oracle.go < tests/unit/lib/fixtures/goregex_cases.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

func main() {
	bad := 0
	sc := bufio.NewScanner(os.Stdin)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		re, err := regexp.Compile(f[0])
		switch {
		case f[1] == "!" && err != nil:
			fmt.Printf("line %d: %q refused by Go too (%v)\n", n, f[0], err)
		case f[1] == "!":
			fmt.Printf("line %d: %q accepted by Go, refused here (no POSIX equivalent)\n", n, f[0])
		case err != nil:
			fmt.Printf("line %d: %q: Go refuses it: %v\n", n, f[0], err)
			bad++
		case re.MatchString(f[1]) != (f[2] == "1"):
			fmt.Printf("line %d: %q on %q: Go says %v\n", n, f[0], f[1], re.MatchString(f[1]))
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("%d cases disagree with Go\n", bad)
		os.Exit(1)
	}
	fmt.Println("all match/no-match cases agree with Go")
}
