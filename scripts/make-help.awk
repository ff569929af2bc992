# `make help`: the Makefile's targets by group (`##@ <group>`), each with its one line
# (`<target>: ## <what it does>`) and the variables it reads (a trailing `[VAR ...]`).
BEGIN { FS = ":.*## " }
/^##@ / { printf "%s%s\n", (groups++ ? "\n" : ""), substr($0, 5); next }
/^[a-zA-Z0-9_-]+:.*## / {
  text = $2
  reads = ""
  if (match(text, / \[[A-Z_ ]+\]$/)) {
    reads = substr(text, RSTART + 2, RLENGTH - 3)
    text = substr(text, 1, RSTART - 1)
  }
  printf "  %-14s %s\n", $1, text
  if (reads != "") printf "  %-14s reads %s\n", "", reads
}
